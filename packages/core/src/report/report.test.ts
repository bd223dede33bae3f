import { describe, expect, it } from 'vitest';
import { REPORT_MIME, validateReport, type Report } from './schema.js';
import { escapeHtml, reportTable, tableHtml, tableText } from './table.js';
import { toMimeBundle } from './mime.js';
import { histogram } from './histogram.js';

const summary: Report = {
  kind: 'summary',
  version: 1,
  model: 'm',
  layers: [
    {
      name: '<img src=x onerror=alert(1)>',
      type: 'Dense',
      outputShape: [null, 10],
      params: 7850,
      nonzeros: 7000,
      sparsity: 0.108,
      macs: 7840,
      bytes: 31400,
    },
  ],
  totals: { params: 7850, nonzeros: 7000, sparsity: 0.108, macs: 7840, bytes: 31400 },
};

describe('report schema', () => {
  it('accepts a valid report and says what is wrong with an invalid one', () => {
    expect(validateReport(summary)).toEqual({ ok: true, report: summary });
    expect(validateReport(null)).toEqual({ ok: false, error: 'a Whittle report must be an object, got null' });
    expect(validateReport({ kind: 'movie', version: 1 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('unknown report kind "movie"'),
    });
    expect(validateReport({ ...summary, version: 2 })).toMatchObject({
      ok: false,
      error: expect.stringContaining('report version 2 is not supported'),
    });
    const bad = validateReport({ ...summary, totals: { ...summary.totals, sparsity: 1.5 } });
    expect(bad).toMatchObject({ ok: false, error: expect.stringMatching(/^invalid summary report: totals\.sparsity: /) });
  });
});

describe('tables and MIME bundles', () => {
  it('escapes every report string in HTML (a layer name is text, never markup)', () => {
    const html = tableHtml(reportTable(summary));
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('a bundle carries the JSON object (not a string), text/plain and text/html', () => {
    const bundle = toMimeBundle(summary);
    expect(bundle[REPORT_MIME]).toBe(summary);
    expect(typeof bundle['text/plain']).toBe('string');
    expect(bundle['text/plain']).toContain('7,850');
    expect(String(bundle['text/html'])).toMatch(/^<div class="whittle-report">/);
  });

  it('text tables align columns', () => {
    const text = tableText({
      title: 't',
      columns: ['a', 'bb'],
      rows: [
        ['x', 1],
        ['yy', 22],
      ],
      notes: ['n'],
    });
    expect(text.split('\n')).toEqual(['t', 'a   bb', '--  --', 'x    1', 'yy  22', 'n']);
  });
});

describe('histogram', () => {
  it('counts values into equal bins over the given range (hand-counted)', () => {
    const h = histogram([0, 0.1, 0.5, 0.99, 1, -1], 2, [0, 1]);
    expect(h.binEdges).toEqual([0, 0.5, 1]);
    expect(h.counts).toEqual([3, 3]); // −1 clamps into the first bin, 1 into the last
  });
});

describe('@whittle/core/report entry point', () => {
  it('imports nothing from tfjs or the rest of core (the renderer bundles it)', async () => {
    const { readdirSync, readFileSync } = await import('node:fs');
    const here = new URL('.', import.meta.url);
    for (const file of readdirSync(here).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const imports = [...readFileSync(new URL(file, here), 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]!);
      for (const spec of imports) expect(spec === 'zod' || spec.startsWith('./'), `${file} imports ${spec}`).toBe(true);
    }
  });
});
