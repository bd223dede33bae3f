import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// As users run it: the built `whittle` bin in a child process (`npm run build` first).
const bin = fileURLToPath(new URL('../../bin/whittle.js', import.meta.url));
const json = (...args: string[]) => JSON.parse(execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' }));

describe('whittle cluster / compress --pipeline deep', () => {
  it('cluster --out writes the deep format, which summary and evaluate read', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'shared');
    const out = json('cluster', 'lenet-300-100', '--clusters', 'fc1=8,fc*=16', '--init', 'kmeans++', '--out', dir, '--json');
    expect(out.kind).toBe('clustering');
    expect(out.layers.map((l: { clusters: number }) => l.clusters)).toEqual([8, 16, 16]);
    expect(out.bytes.weights).toBe(statSync(join(dir, 'weights.bin')).size);
    expect(out.bytes.total).toBe(statSync(join(dir, 'weights.bin')).size + statSync(join(dir, 'model.json')).size);
    expect(out.bytes.baselineWeights).toBe(266610 * 4); // the fp32 weights.bin, written beside it
    expect(out.bytes.baselineTotal).toBeGreaterThan(266610 * 4);
    expect(JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')).userDefinedMetadata.whittleDeep.format).toBe('whittle-deep');
    const summary = json('summary', dir, '--json');
    expect(summary.totals.params).toBe(266610);
    const evaluated = json('evaluate', dir, '--json');
    expect(evaluated.accuracy).toBe(out.accuracy.after);
  });

  it('compress --pipeline deep --json has accuracy, bytes and ratios of the files written', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'deep');
    const out = json(
      'compress',
      'lenet-300-100',
      '--pipeline',
      'deep',
      '--sparsity',
      '0.9',
      '--prune-steps',
      '1',
      '--epochs',
      '1',
      '--clusters',
      '16',
      '--anneal-epochs',
      '1',
      '--out',
      dir,
      '--json',
    );
    const weights = statSync(join(dir, 'weights.bin')).size;
    const total = weights + statSync(join(dir, 'model.json')).size;
    expect(out.bytes.weights).toBe(weights);
    expect(out.bytes.total).toBe(total);
    expect(out.ratio.weights).toBeCloseTo(1066440 / weights, 9);
    expect(out.ratio.total).toBeCloseTo(out.bytes.baselineTotal / total, 9);
    expect(out.ratio.weights).toBeGreaterThan(20);
    expect(out.accuracy).toBeGreaterThan(0.9);
    expect(out.report.stages.map((s: { stage: string }) => s.stage).slice(0, 2)).toEqual([
      'fp32 baseline',
      'pruned 90% + fine-tuned + 1 annealing epoch (float32 on disk)',
    ]);
    expect(json('evaluate', dir, '--json').accuracy).toBe(out.accuracy);
  });

  it('bad input is one line and a non-zero exit', () => {
    const cases: [string[], RegExp][] = [
      [['cluster', 'lenet-5', '--clusters', '1'], /^whittle: cluster: clusters=1 must be an integer in \[2, 65536\]$/],
      [
        ['cluster', 'lenet-5', '--clusters', '200'],
        /^whittle: cluster: clusters=200 for layer 'conv1' exceeds its 150 distinct nonzero weights; use at most 150$/,
      ],
      [
        ['compress', 'lenet-5', '--pipeline', 'deep', '--ratio', '8', '--out', join(tmpdir(), 'never')],
        /^whittle: --ratio is a budget flag; --pipeline deep runs a fixed sequence \(drop one of them\)$/,
      ],
      [
        ['compress', 'lenet-5', '--ratio', '8', '--clusters', '16'],
        /^whittle: --clusters needs --pipeline deep \(a budget plans each layer itself\)$/,
      ],
      [['compress', 'lenet-5', '--pipeline', 'deep'], /^whittle: compress --pipeline deep needs --out <dir>$/],
      [
        ['compress', 'lenet-5', '--ratio', '8', '--shift-copies', '2'],
        /^whittle: --shift-copies needs --pipeline deep \(a budget plans each layer itself\)$/,
      ],
      [
        ['compress', 'lenet-300-100', '--pipeline', 'deep', '--shift-copies', '2', '--out', join(tmpdir(), 'never')],
        /^whittle: deepCompress: shiftCopies=2 needs image inputs \[n, height, width, channels\], but train.x has shape \[7996, 784\]$/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
      expect(r.status, args.join(' ')).toBe(1);
      expect(r.stderr.trim()).toMatch(message);
    }
    // a value the declaration rejects: commander's usage error (exit 2), the rule from the shared parser
    for (const command of ['cluster', 'compress']) {
      const many = spawnSync(process.execPath, [bin, command, 'lenet-5', '--clusters', 'many'], { encoding: 'utf8' });
      expect(many.status, command).toBe(2);
      expect(many.stderr.split('\n')[0], command).toBe(
        "error: option '--clusters <k>' argument 'many' is invalid. must be a number or layer=k pairs like fc1=32,conv*=64",
      );
    }
    const magic = spawnSync(process.execPath, [bin, 'compress', 'lenet-5', '--pipeline', 'magic'], { encoding: 'utf8' });
    expect(magic.status).toBe(2);
    expect(magic.stderr.split('\n')[0]).toBe("error: option '--pipeline <name>' argument 'magic' is invalid. must be one of deep");
  });
});
