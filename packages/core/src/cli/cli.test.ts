import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The CLI is tested as users run it: the built `whittle` bin in a child process
// (`npm run build` first; CI builds before testing).
const bin = fileURLToPath(new URL('../../bin/whittle.js', import.meta.url));
const run = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });

describe('whittle CLI', () => {
  it('summary --json has totals.params, totals.nonzeros and totals.bytes', () => {
    const out = JSON.parse(execFileSync(process.execPath, [bin, 'summary', 'lenet-5', '--json'], { encoding: 'utf8' }));
    expect(out.kind).toBe('summary');
    expect(out.totals.params).toBe(61706);
    expect(out.totals.nonzeros).toBeGreaterThan(61000);
    // float32 weights (4 bytes per parameter) plus model.json: the folder a save writes
    expect(out.layers.reduce((t: number, l: { bytes: number }) => t + l.bytes, 0)).toBe(61706 * 4);
    expect(out.totals.bytes).toBeGreaterThan(61706 * 4);
    expect(out.totals.bytes).toBeLessThan(61706 * 4 + 20_000);
  });

  it('evaluate --json reports accuracy of a reference model', () => {
    const out = JSON.parse(execFileSync(process.execPath, [bin, 'evaluate', 'lenet-300-100', '--json'], { encoding: 'utf8' }));
    expect(out.accuracy).toBeGreaterThanOrEqual(0.94);
    expect(out.samples).toBe(2004);
  });

  it('spam-mlp is a shipped model name: its committed weights, evaluated on the SpamAssassin test split by default', async () => {
    const out = JSON.parse(execFileSync(process.execPath, [bin, 'evaluate', 'spam-mlp', '--json'], { encoding: 'utf8' }));
    // the same model and split through the library's own API
    const { evaluate, spam, spamMlp, SPAM_MLP, initBackend } = await import('../index.js');
    await initBackend();
    const { train, test } = spam({ words: SPAM_MLP.words });
    const model = spamMlp({ pretrained: true });
    expect(out.samples).toBe(test.size);
    expect(out.accuracy).toBeCloseTo(evaluate(model, test).accuracy, 6);
    expect(out.accuracy).toBeGreaterThan(0.95);
    [train, test, model].forEach((t) => t.dispose());
  });

  it('sensitivity --json gives one curve per layer, level 0 at the baseline', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, [bin, 'sensitivity', 'lenet-5', '--levels', '0,0.9', '--samples', '200', '--json'], {
        encoding: 'utf8',
      }),
    );
    expect(out.kind).toBe('sensitivity');
    expect(out.layers.map((l: { name: string }) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    for (const l of out.layers) expect(l.values[0]).toBe(out.baseline);
  });

  it('prune --out writes a loadable model with the asked sparsity, and prints the report', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'pruned');
    const out = JSON.parse(
      execFileSync(process.execPath, [bin, 'prune', 'lenet-300-100', '--sparsity', '0.5', '--scope', 'global', '--out', dir, '--json'], {
        encoding: 'utf8',
      }),
    );
    expect(out.kind).toBe('sparsity');
    expect(out.totals.prunedSparsity).toBeCloseTo(0.5, 6);
    const summary = JSON.parse(execFileSync(process.execPath, [bin, 'summary', dir, '--json'], { encoding: 'utf8' }));
    const fc1 = summary.layers.find((l: { name: string }) => l.name === 'fc1');
    expect(fc1.params - fc1.nonzeros).toBeGreaterThan(0.4 * 784 * 300);
    const bad = run('prune', 'lenet-5', '--nm', '2-4');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("error: option '--nm <n:m>' argument '2-4' is invalid. must look like 2:4");
    const misspelled = run('prune', 'lenet-5', '--sparsityx', '0.5');
    expect(misspelled.status).not.toBe(0);
    expect(misspelled.stderr).toContain("error: unknown option '--sparsityx'\n(Did you mean --sparsity?)");
  });

  it('prune --compensate least-squares: the refit keeps LeNet-5 at 90 % global sparsity near its accuracy without fine-tuning', () => {
    const args = [bin, 'prune', 'lenet-5', '--sparsity', '0.9', '--scope', 'global', '--include-output', '--json'];
    const plain = JSON.parse(execFileSync(process.execPath, args, { encoding: 'utf8' }));
    const refit = JSON.parse(execFileSync(process.execPath, [...args, '--compensate', 'least-squares'], { encoding: 'utf8' }));
    // bench prune-quality measures 68.06 % → 96.71 % one-shot on the full test split
    expect(plain.accuracy.after).toBeLessThan(0.8);
    expect(refit.accuracy.after).toBeGreaterThan(0.95);
    // the mask is kept; the ridge refit may also zero weights fed by inputs that are always 0 (dead units)
    expect(refit.totals.prunedSparsity).toBeGreaterThanOrEqual(0.9);
    expect(refit.totals.prunedSparsity).toBeLessThan(0.91);
  });

  it('quantize --format uint8 --out writes ≈ 4× fewer bytes and reports accuracy and bytes', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'q8');
    const out = JSON.parse(
      execFileSync(process.execPath, [bin, 'quantize', 'lenet-5', '--bits', '8', '--format', 'uint8', '--out', dir, '--json'], {
        encoding: 'utf8',
      }),
    );
    expect(out.kind).toBe('quantization');
    expect(out.bytes.before / out.bytes.after).toBeGreaterThan(3.7);
    expect(out.accuracy.before - out.accuracy.after).toBeLessThanOrEqual(0.002);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const packed = JSON.parse(
      execFileSync(
        process.execPath,
        [bin, 'quantize', 'lenet-5', '--bits', '4', '--per-channel', '--format', 'packed', '--out', `${dir}-p4`, '--json'],
        { encoding: 'utf8' },
      ),
    );
    expect(packed.bytes.before / packed.bytes.after).toBeGreaterThan(6); // 4-bit integers + per-channel scales
    const bad = run('quantize', 'lenet-5', '--format', 'int3');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain("error: option '--format <f>' argument 'int3' is invalid. must be one of uint8, uint16, float16, packed");
  });

  it('the built package can be require()d — no top-level await anywhere in its graph (tslab notebooks require it)', () => {
    const out = execFileSync(
      process.execPath,
      ['-e', "const w = require('@whittle/core'); console.log(typeof w.prune, typeof w.quantize)"],
      { encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function');
  });

  it('prints a table without --json', () => {
    const r = run('summary', 'lenet-5');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/conv1\s+Conv2D\s+\[\?×28×28×6\]\s+156/);
  });

  it('fails with one line and a non-zero exit on bad input, writing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'whittle-cli-'));
    writeFileSync(join(dir, 'bad.json'), '{nope');
    const cases: [string[], RegExp][] = [
      [['summary', join(dir, 'nonexistent.json')], /whittle: '.*nonexistent.json' is neither a file nor a shipped model/],
      [['summary', join(dir, 'bad.json')], /whittle: loadModel: .*bad.json is not valid JSON/],
      [
        ['evaluate', 'alexnet'],
        /whittle: 'alexnet' is neither a file nor a shipped model \(lenet-300-100, lenet-5, mobilenet-mini, resnet-mini, spam-mlp\)/,
      ],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/whittle: whittle:/);
    }
    expect(readdirSync(dir)).toEqual(['bad.json']);
    const unknown = run('summary', 'lenet-5', '--frobnicate');
    expect(unknown.status).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown option '--frobnicate'/);
  });

  it('factorize --energy 0.8 --out writes a smaller model that loads; bad values are one line', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-')), 'low');
    const out = JSON.parse(
      execFileSync(process.execPath, [bin, 'factorize', 'lenet-300-100', '--energy', '0.8', '--out', dir, '--json'], { encoding: 'utf8' }),
    );
    expect(out.kind).toBe('lowrank');
    expect(out.totals.paramsBefore / out.totals.paramsAfter).toBeGreaterThan(4);
    expect(out.accuracy.after).toBeGreaterThan(0.9);
    const summary = JSON.parse(execFileSync(process.execPath, [bin, 'summary', dir, '--json'], { encoding: 'utf8' }));
    expect(summary.layers.map((l: { name: string }) => l.name)).toEqual(['fc1_lowrank', 'fc1', 'fc2_lowrank', 'fc2', 'fc3']);
    expect(summary.totals.params).toBe(out.totals.paramsAfter);
    const bad = run('factorize', 'lenet-5', '--energy', '1.5');
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe('whittle: factorize: energy=1.5 must be in (0, 1]');
  });

  it('prune-inputs --keep 0.5 keeps 392 pixels and reports the mask as a 28×28 picture', () => {
    const out = JSON.parse(
      execFileSync(process.execPath, [bin, 'prune-inputs', 'lenet-300-100', '--keep', '0.5', '--json'], { encoding: 'utf8' }),
    );
    expect(out.kind).toBe('features');
    expect(out.featuresAfter).toBe(392);
    expect(out.mask.rows).toBe(28);
    expect(out.mask.values.reduce((a: number, b: number) => a + b, 0)).toBe(392);
    const bad = run('prune-inputs', 'lenet-300-100', '--keep', '0');
    expect(bad.stderr.trim()).toBe('whittle: pruneInputs: keep=0 must be a fraction in (0, 1] or a count of features ≥ 1');
  });
});

describe('whittle compress', () => {
  it('--ratio 8 --out: a plan whose saved files (gzip) meet the budget and load back with the reported accuracy', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-compress-')), 'small');
    const args = ['compress', 'lenet-300-100', '--ratio', '8', '--techniques', 'quantize', '--epochs', '0', '--calibration-samples', '100'];
    const out = JSON.parse(
      execFileSync(process.execPath, [bin, ...args, '--rounds', '1', '--workers', '0', '--out', dir, '--json'], { encoding: 'utf8' }),
    );
    expect(out.kind).toBe('plan');
    const round = out.rounds[0];
    expect(round.met).toBe(true);
    const { loadModel, modelBytes, evaluate, mnist, initBackend } = await import('../index.js');
    await initBackend();
    const { gzipBytes } = modelBytes(dir);
    expect(gzipBytes).toBeLessThanOrEqual(out.original.bytes / 8);
    expect(gzipBytes).toBe(round.bytes);
    const model = await loadModel(dir);
    const { train, test } = mnist();
    train.dispose();
    expect(evaluate(model, test).accuracy).toBe(round.accuracy);
    test.dispose();
    model.dispose();
  });

  it('--techniques factorize: float factors of the chosen rank, saved and loaded back as two layers', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'whittle-cli-compress-')), 'lowrank');
    const args = ['compress', 'lenet-300-100', '--ratio', '4', '--techniques', 'factorize', '--rank-levels', '0.125', '--epochs', '0'];
    const out = JSON.parse(
      execFileSync(
        process.execPath,
        [bin, ...args, '--calibration-samples', '100', '--rounds', '1', '--workers', '0', '--out', dir, '--json'],
        {
          encoding: 'utf8',
        },
      ),
    );
    expect(out.rounds[0].met).toBe(true);
    // 1/4 of the float file leaves no room for fc1 (88 % of it) whole: rank round(0.125 · 300) = 38
    const fc1 = out.layers.find((l: { name: string }) => l.name === 'fc1');
    expect(fc1.rank).toBe(38);
    const { loadModel, initBackend } = await import('../index.js');
    await initBackend();
    const model = await loadModel(dir);
    expect(model.getLayer('fc1_lowrank').getWeights()[0]!.shape).toEqual([784, 38]);
    model.dispose();
  });

  it('bad budgets and techniques fail with one line and exit 1', () => {
    for (const [args, message] of [
      [['--budget', '20parsecs'], "whittle: budget: size '20parsecs' must be a number with unit B, kB or MB (e.g. 20kB)"],
      [
        ['--budget', '20kB', '--techniques', 'prune,zip'],
        "whittle: autoCompress: unknown technique 'zip' (known: prune, quantize, cluster, factorize)",
      ],
      [[], 'whittle: compress needs a budget: --budget <size>, --ratio <r> or --max-drop <pp>'],
      [
        ['--budget', '20kB', '--techniques', 'quantize,factorize', '--rank-levels', '0.25,2'],
        'whittle: autoCompress: rank level must be a fraction of full rank in (0, 1), got 2',
      ],
    ] as const) {
      const r = run('compress', 'lenet-300-100', ...args);
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toBe(message);
    }
    const r = run(
      'compress',
      'lenet-300-100',
      '--budget',
      '1kB',
      '--techniques',
      'quantize',
      '--calibration-samples',
      '20',
      '--workers',
      '0',
    );
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^whittle: autoCompress: budget of 1000 B is below the smallest reachable size, \d+ B \(every layer at 2-bit; gzip bytes\)$/,
    );
  });
});
