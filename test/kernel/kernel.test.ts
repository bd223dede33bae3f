/**
 * The Whittle kernel driven by real Jupyter clients: Jupyter's protocol test
 * suite, nbconvert executing a notebook of every magic, and a fuzzer.
 * Needs the built packages (`npm run build`) and Debian's Jupyter packages.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestKernel, type TestKernel } from './kernelspec.js';
import { validateReport, type Report } from '@whittle/report';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
let kernel: TestKernel;
let prefix: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  kernel = installTestKernel();
  ({ prefix, env } = kernel);
});
afterAll(() => kernel.remove());

describe('the Whittle kernel', () => {
  it("passes Jupyter's jupyter_kernel_test protocol suite", () => {
    const r = spawnSync('/usr/bin/python3', [join(here, 'test_protocol.py')], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, out).toBe(0);
    expect(out).toMatch(/Ran 1[0-9] tests/);
    expect(out).toMatch(/\nOK/);
  });

  it('runs a notebook of every magic under nbconvert: reports valid, numbers in range, errors named, later cells still run', () => {
    const out = join(prefix, 'magics-out.ipynb');
    const r = spawnSync(
      '/usr/bin/jupyter',
      ['nbconvert', '--to', 'notebook', '--execute', '--allow-errors', join(here, 'magics.ipynb'), '--output', out],
      { cwd: here, env, encoding: 'utf8', timeout: 300_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    const cells = JSON.parse(
      execFileSync('/usr/bin/python3', [join(here, 'check_notebook.py'), out], { encoding: 'utf8', maxBuffer: 1 << 26 }),
    ) as {
      tag: string;
      types: string[];
      enames: string[];
      tracebacks: string[][];
      reports: unknown[];
      text: string;
    }[];
    const cell = (tag: string) => cells.find((c) => c.tag === tag)!;
    const report = <K extends Report['kind']>(tag: string, kind: K) => {
      const [raw] = cell(tag).reports;
      const v = validateReport(raw);
      expect(v.ok, `${tag}: ${v.ok ? '' : v.error}`).toBe(true);
      const rep = (v as { report: Report }).report;
      expect(rep.kind).toBe(kind);
      return rep as Extract<Report, { kind: K }>;
    };
    expect(cell('lsmagic').text).toContain('%prune');
    expect(report('summary', 'summary').totals.params).toBe(61706);
    expect(report('evaluate', 'evaluate').accuracy).toBeGreaterThan(0.96);
    expect(report('prune', 'sparsity').totals.prunedSparsity).toBeCloseTo(0.8, 4);
    expect(report('structured', 'sparsity').physicallySmaller).toBe(true);
    expect(Number(cell('structured').text.trim().split('\n').at(-1))).toBeLessThan(61706);
    expect(report('finetune', 'sparsity').accuracy!.after!).toBeGreaterThan(0.9);
    // --calibration data: compensate defaults to the least-squares refit of the pruned Dense layers: one-shot accuracy at 90 % far above plain pruning's
    const [plain, refit] = JSON.parse(cell('calibrate-check').text.trim().split('\n').at(-1)!.slice(1, -1)) as [number, number];
    expect(refit - plain, `plain ${plain}, refit ${refit}`).toBeGreaterThan(0.05);
    expect(cell('bad-calibrate').enames).toEqual(['TypeError']);
    expect(cell('bad-calibrate').text).toBe('');
    const q8 = report('quantize', 'quantization');
    expect(q8.accuracy!.before! - q8.accuracy!.after!).toBeLessThanOrEqual(0.002);
    expect(report('qat', 'quantization').weights.bits).toBe(2);
    const shared = report('cluster', 'clustering');
    expect(shared.layers.map((l) => l.clusters)).toEqual([8, 8, 8, 8, 8]);
    expect(shared.accuracy!.after!).toBeGreaterThan(0.9);
    expect(cell('bad-cluster').enames).toEqual(['WhittleError']);
    const s = report('sensitivity', 'sensitivity');
    for (const layer of s.layers) expect(layer.values[0]).toBe(s.baseline);
    expect(report('compare', 'compare').agreement).toBeGreaterThan(0.8);
    // a magic that displays its report does not also echo a value
    expect(cell('prune').types).toEqual(['display_data']);
    expect(cell('bad-value').enames).toEqual(['WhittleError']);
    expect(cell('bad-flag').enames).toEqual(['UsageError']);
    expect(cell('bad-name').enames).toEqual(['NameError']);
    expect(cell('bad-type').enames).toEqual(['TypeError']);
    expect(cell('bad-magic').enames).toEqual(['UsageError']);
    expect(cell('after-errors').text.trim()).toBe('61707'); // 61706 + 7 % 3: the kernel survived and % is still modulo
    expect(cell('time').text).toMatch(/Wall time: /);
    expect(cell('timeit').text).toMatch(/per loop \(mean ± std\. dev\. of 2 runs, 2 loops each\)/);
    // timing wraps a magic, as in IPython: its report still shows, its binding still happens
    expect(cell('time-magic').text).toMatch(/Wall time: /);
    expect(report('time-magic', 'sparsity').totals.prunedSparsity).toBeCloseTo(0.5, 2);
    expect(cell('time-magic').text.trim().split('\n').at(-1)).toBe('61706'); // `half` was bound: same parameter count, half of them zero
    expect(cell('cell-time-magic').text).toMatch(/Wall time: /);
    expect(report('cell-time-magic', 'sparsity').totals.prunedSparsity).toBeCloseTo(0.3, 4);
    expect(cell('timeit-magic').enames).toEqual([]);
    expect(cell('timeit-magic').text).toMatch(/per loop \(mean ± std\. dev\. of 2 runs, 1 loop(s)? each\)/);
    expect(cell('timeit-magic').reports).toEqual([]); // output of timed runs is dropped
    // a WhittleError from user code reads like a UsageError: the one-line message, no stack frames
    expect(cell('api-error').enames).toEqual(['WhittleError']);
    expect(cell('api-error').tracebacks).toEqual([[expect.stringMatching(/^WhittleError: .*sparsity.*1\.5/)]]);
    // other errors keep their traceback
    expect(cell('other-error').enames).toEqual(['RangeError']);
    expect(cell('other-error').tracebacks[0]!.length).toBeGreaterThan(1);
    // %prune? also prints its help (nbconvert drops the pager payload), ending with its example
    expect(cell('help').text).toContain('--sparsity <s>');
    expect(cell('help').text).toContain('Example:\n  %prune model --sparsity 0.8');
    // plain-text values: records as a table, nested objects in full, floats rounded
    expect(cell('records').text.trim().split('\n')).toEqual([
      'layer  params      kept',
      '0    conv1     156       0.2',
      '1  dense_1   48120  0.333333',
    ]);
    expect(cell('nested').text).toContain('d: 0.3');
    // %data declares the test set: a one-shot %prune then reports accuracy before and after, on that set
    expect(cell('data').text).toContain('test: test\ntrain: train');
    const [before, after] = JSON.parse(cell('prune-after-data').text.trim().split('\n').at(-1)!.slice(1, -1)) as [number, number];
    const withData = report('prune-after-data', 'sparsity');
    expect(withData.accuracy).toEqual({ before, after });
    expect(withData.title).toBe('half2 = model: magnitude pruning of lenet-5 (unstructured, layer)');
    // the same rule in every compression magic: a one-shot %factorize reports accuracy before and after on the declared set
    const [fBefore, fAfter] = JSON.parse(cell('factorize-after-data').text.trim().split('\n').at(-1)!.slice(1, -1)) as [number, number];
    expect(report('factorize-after-data', 'lowrank').accuracy).toEqual({ before: fBefore, after: fAfter });
    // --save writes atomically in the format the compression implies; loadModel reads back the same model
    expect(cell('save-quantize').text).toMatch(/^saved to .*q4 \([\d,]+ bytes\)/);
    const [q4, q4back] = JSON.parse(cell('save-quantize-check').text.trim().split('\n').at(-1)!.slice(1, -1)) as number[];
    expect(q4back).toBe(q4); // packed 4-bit per channel holds per-channel 4-bit weights exactly
    expect(report('save-quantize', 'quantization').accuracy!.after).toBe(q4);
    const [c8before, c8, c8back] = JSON.parse(cell('save-cluster-check').text.trim().split('\n').at(-1)!.slice(1, -1)) as number[];
    expect(report('save-cluster', 'clustering').accuracy).toEqual({ before: c8before, after: c8 }); // one-shot, yet measured
    expect(c8back).toBe(c8); // the deep format stores the codebooks and indices exactly
    expect(cell('save-done').text.trim()).toBe('false');
  });

  it('an interrupt stops a long fine-tuning magic; the kernel survives and the model is unchanged', () => {
    const r = spawnSync('/usr/bin/python3', [join(here, 'interrupt.py')], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      status: string;
      errors: string[];
      seconds: number;
      unchanged: string[];
      alive: boolean;
    };
    expect(out.status).toBe('error');
    expect(out.errors).toEqual(['KeyboardInterrupt']);
    expect(out.seconds).toBeLessThan(60); // 20 epochs would take minutes
    expect(out.unchanged).toEqual(['true']);
    expect(out.alive).toBe(true);
  });

  it('completes magic flags, enumerated values and typed operands from the declarations (complete_request)', () => {
    const r = spawnSync('/usr/bin/python3', [join(here, 'complete.py')], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, { matches: string[]; start: number }>;
    expect(out['%prune ref --sp']).toEqual({ matches: ['--sparsity'], start: 11 });
    expect(out['%prune ref --method ']!.matches).toEqual(['bn-scale', 'l1', 'l2', 'magnitude', 'random']);
    expect(out['%prune ']).toEqual({ matches: ['ref'], start: 7 });
    expect(out['%prune ref --fine-tune ']!.matches).toEqual(['test', 'train']);
    expect(out['%time %prune ref --sp']).toEqual({ matches: ['--sparsity'], start: 17 });
    expect(out['const s = %quantize ref --bi']!.matches).toEqual(['--bits']);
    expect(out['Math.ma']!.matches).toContain('max'); // TypeScript completion is untouched
  });

  it('answers every one of 300 random magic lines and stays alive (fuzz)', () => {
    const r = spawnSync('/usr/bin/python3', [join(here, 'fuzz.py'), '300', '7'], { cwd: root, env, encoding: 'utf8', timeout: 300_000 });
    expect(r.status, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
      sent: number;
      answered: number;
      alive: boolean;
      statuses: Record<string, number>;
    };
    expect(summary.answered).toBe(300);
    expect(summary.alive).toBe(true);
    expect(summary.statuses.error).toBeGreaterThan(0);
  });
});
