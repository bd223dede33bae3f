import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  defineKind,
  escapeHtml,
  figures,
  histogram,
  KINDS,
  Report,
  REPORT_KINDS,
  REPORT_MIME,
  reportTable,
  reportTitle,
  tableHtml,
  tableText,
  toMimeBundle,
  validateReport,
} from './index.js';
import { version } from './base.js';

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

describe('the registry', () => {
  it('lists each kind once, and its schema carries the same kind literal', () => {
    expect(new Set(REPORT_KINDS).size).toBe(KINDS.length);
    for (const k of KINDS) expect(k.schema.shape.kind.value).toBe(k.kind);
  });

  it('derives the union schema, tables and figures from the kind modules', () => {
    expect(Report.options.map((o) => o.shape.kind.value)).toEqual(REPORT_KINDS);
    const evaluate: Report = { kind: 'evaluate', version: 1, model: 'm', accuracy: 0.5, loss: 1, samples: 4 };
    expect(reportTable(evaluate).rows).toEqual([['50.00%', '1', '4']]);
    expect(reportTitle(evaluate)).toBe('evaluate of m');
    expect(reportTitle({ kind: 'pareto', version: 1, title: 'sweep', points: [] })).toBe('sweep');
  });

  it('defineKind reads the kind from the schema, so a module cannot name another kind', () => {
    const schema = z.object({ kind: z.literal('demo'), version, title: z.string() });
    const demo = defineKind({ schema, table: (r) => ({ title: r.title, columns: [], rows: [], notes: [] }), figures: () => [] });
    expect(demo.kind).toBe('demo');
  });

  it('figures escape report strings exactly once (an escaped title is not escaped again)', () => {
    const [f] = figures({ kind: 'pareto', version: 1, title: 'a &lt; b', points: [] });
    expect(f!.title).toBe('a &amp;lt; b');
  });
});

const here = fileURLToPath(new URL('.', import.meta.url));
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
  );

describe('@whittle/report package boundary', () => {
  it('imports nothing but zod and its own files (the renderer bundles it; no tfjs)', () => {
    const files = sources(here);
    expect(files.length).toBeGreaterThan(KINDS.length);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/^(?:import|export)\s[^;]*?from '([^']+)'|^import '([^']+)'|import\('([^']+)'\)/gm)].map(
        (m) => (m[1] ?? m[2] ?? m[3])!,
      );
      for (const spec of imports)
        expect(spec === 'zod' || spec.startsWith('./') || spec.startsWith('../'), `${file} imports ${spec}`).toBe(true);
    }
    const pkg = JSON.parse(readFileSync(join(here, '../package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg.dependencies).toEqual({ zod: expect.any(String) });
    expect(pkg.peerDependencies ?? pkg.optionalDependencies).toBeUndefined();
  });

  it('nothing outside the kind modules switches on a report kind', () => {
    const renderer = join(here, '../../jupyterlab/src');
    const files = [...sources(here).filter((f) => !f.includes('/kinds/')), ...sources(renderer)];
    const kinds = REPORT_KINDS.join('|');
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(new RegExp(`case '(${kinds})'|kind ?[!=]== ?'(${kinds})'`));
    }
  });
});
