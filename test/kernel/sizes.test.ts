/**
 * Sizes in the magic workflow: a model from `%quantize` carries its storage
 * format, so `%compare ref q8` and `%summary q8` show the bytes it will have on
 * disk — the bytes `saveModel` then writes, measured here with fs.
 * Needs the built packages (`npm run build`) and Debian's Jupyter packages.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateReport, type Report } from '@whittle/report';
import { installTestKernel, type TestKernel } from './kernelspec.js';

const here = fileURLToPath(new URL('.', import.meta.url));
let kernel: TestKernel;
let scratch: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  kernel = installTestKernel('whittle-sizes');
  ({ prefix: scratch, env } = kernel);
});
afterAll(() => kernel.remove());

const cell = (tag: string, source: string) => ({
  cell_type: 'code',
  id: tag,
  metadata: { tags: [tag] },
  source,
  outputs: [],
  execution_count: null,
});
const onDisk = (dir: string) => readdirSync(dir).reduce((s, f) => s + statSync(join(dir, f)).size, 0);

describe('sizes in the magic workflow', () => {
  it('%compare ref q8 after %quantize shows q8 smaller, with the bytes saveModel then writes', () => {
    const saved = join(scratch, 'q8');
    const fp32 = join(scratch, 'ref');
    const notebook = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {
        kernelspec: { name: 'whittle-sizes', display_name: 'TypeScript (Whittle)', language: 'typescript' },
        language_info: { name: 'typescript' },
      },
      cells: [
        cell('setup', 'import { lenet5, saveModel } from "@whittle/core";\nconst ref = lenet5({ pretrained: true });\nref.name'),
        cell('quantize', '%quantize ref --bits 8 --as q8'),
        cell('compare', '%compare ref q8'),
        cell('summary', '%summary q8'),
        cell('save', `await saveModel(q8, ${JSON.stringify(saved)});\nawait saveModel(ref, ${JSON.stringify(fp32)});\n"saved"`),
      ],
    };
    const input = join(scratch, 'sizes.ipynb');
    const out = join(scratch, 'sizes-out.ipynb');
    writeFileSync(input, JSON.stringify(notebook));
    const r = spawnSync('/usr/bin/jupyter', ['nbconvert', '--to', 'notebook', '--execute', input, '--output', out], {
      cwd: scratch,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const cells = JSON.parse(
      execFileSync('/usr/bin/python3', [join(here, 'check_notebook.py'), out], { encoding: 'utf8', maxBuffer: 1 << 26 }),
    ) as { tag: string; enames: string[]; reports: unknown[]; text: string }[];
    const report = <K extends Report['kind']>(tag: string, kind: K) => {
      const c = cells.find((x) => x.tag === tag)!;
      expect(c.enames, tag).toEqual([]);
      const v = validateReport(c.reports[0]);
      expect(v.ok, `${tag}: ${v.ok ? '' : v.error}`).toBe(true);
      const rep = (v as { report: Report }).report;
      expect(rep.kind).toBe(kind);
      return rep as Extract<Report, { kind: K }>;
    };
    const cmp = report('compare', 'compare');
    const sum = report('summary', 'summary');
    expect(cells.find((c) => c.tag === 'save')!.text).toContain('saved');
    // the saved folders, measured on disk: compare and summary showed exactly these sizes
    expect(cmp.a.bytes).toBe(onDisk(fp32));
    expect(cmp.b.bytes).toBe(onDisk(saved));
    expect(sum.totals.bytes).toBe(onDisk(saved));
    expect(sum.storage).toMatch(/^packed 8-bit/);
    // 8 of 32 bits per weight, plus per-channel scales, float32 biases and model.json
    expect(cmp.b.bytes).toBeLessThan(cmp.a.bytes * 0.3);
    expect(cmp.a.bytes).toBeGreaterThan(61706 * 4);
  });
});
