import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import {
  addFlags,
  COMMANDS,
  FLAGS,
  pruneOptions,
  PRUNE_FLAGS,
  quantizeOptions,
  quantizeSaveOptions,
  QUANTIZE_FLAGS,
  sensitivityOptions,
} from './flags.js';
import { buildProgram } from './index.js';

const parse = (names: readonly (keyof typeof FLAGS)[], args: string[]) => {
  const cmd = addFlags(new Command('t').exitOverride().configureOutput({ writeErr: () => {} }), names);
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
};

describe('shared flag declarations', () => {
  it('defaults follow the library: per-channel on, 8 bits, layer scope, minmax, seed 0', () => {
    expect(parse(QUANTIZE_FLAGS, [])).toEqual({ bits: 8, perChannel: true, observer: 'minmax' });
    expect(parse(PRUNE_FLAGS, [])).toEqual({ scope: 'layer', seed: 0 });
    expect(parse(QUANTIZE_FLAGS, ['--no-per-channel']).perChannel).toBe(false);
  });

  it('parse values by their declaration and reject bad ones naming the flag and the rule', () => {
    expect(parse(PRUNE_FLAGS, ['--sparsity', '0.5', '--nm', '2:4', '--skip', 'fc1, conv*', '--compensate', 'least-squares'])).toMatchObject(
      {
        sparsity: 0.5,
        nm: { n: 2, m: 4 },
        skip: ['fc1', 'conv*'],
        compensate: 'least-squares',
      },
    );
    expect(parse(QUANTIZE_FLAGS, ['--bits', 'ternary']).bits).toBe('ternary');
    expect(() => parse(QUANTIZE_FLAGS, ['--bits', '2.5'])).toThrow(
      "option '--bits <b>' argument '2.5' is invalid. must be an integer 1…16, ternary or float16",
    );
    expect(() => parse(PRUNE_FLAGS, ['--compensate', 'refit'])).toThrow(
      "option '--compensate <mode>' argument 'refit' is invalid. must be one of none, mean-activation, least-squares",
    );
    expect(() => parse(PRUNE_FLAGS, ['--calibration-samples', '0'])).toThrow('must be a whole number ≥ 1');
    expect(() => parse(QUANTIZE_FLAGS, ['--observer', 'max'])).toThrow('must be one of minmax, moving-average, percentile, mse, kl');
  });

  it('parse levels, clusters and required flags by their declarations', () => {
    expect(parse(COMMANDS.sensitivity, ['--levels', '8:2:-2']).levels).toEqual([8, 6, 4, 2]);
    expect(() => parse(COMMANDS.sensitivity, ['--levels', '0.1:0.9'])).toThrow(
      "option '--levels <levels>' argument '0.1:0.9' is invalid. must be a list like 0.5,0.8 or a range start:stop:step",
    );
    expect(parse(COMMANDS.cluster, ['--clusters', 'fc1=32, conv*=64']).clusters).toEqual({ fc1: 32, 'conv*': 64 });
    expect(() => parse(COMMANDS.cluster, [])).toThrow("required option '--clusters <k>' not specified");
    expect(() => parse(COMMANDS.cluster, ['--clusters', '8', '--init', 'kmeans'])).toThrow(
      'must be one of linear, kmeans++, density, random',
    );
    expect(parse(COMMANDS.cluster, ['--clusters', '8', '--no-preserve-sparsity']).preserveSparsity).toBe(false);
    // --max-drop is percentage points in every command; the library's maxDrop is a fraction
    expect(sensitivityOptions(parse(COMMANDS.sensitivity, ['--max-drop', '0.5'])).maxDrop).toBe(0.005);
  });

  it('--format/--vectors map to save options with only the keys given (a carried storage format is not overridden)', () => {
    expect(quantizeSaveOptions(parse(COMMANDS.quantize, []))).toEqual({});
    expect(quantizeSaveOptions(parse(COMMANDS.quantize, ['--bits', '3', '--format', 'packed']))).toEqual({
      quantization: 'packed',
      bits: 3,
    });
    expect(quantizeSaveOptions(parse(COMMANDS.quantize, ['--bits', '1', '--format', 'packed']))).toEqual({
      quantization: 'packed',
      bits: 2,
    });
    expect(quantizeSaveOptions(parse(COMMANDS.quantize, ['--format', 'uint8', '--vectors']))).toEqual({
      quantization: 'uint8',
      vectors: true,
    });
  });

  it('map to the library options (the same function serves the CLI and the magics)', () => {
    const data = { size: 1 } as never;
    expect(pruneOptions(parse(PRUNE_FLAGS, ['--sparsity', '0.9', '--structured', 'filter', '--calibration-samples', '300']), data)).toEqual(
      {
        sparsity: 0.9,
        scope: 'layer',
        method: undefined,
        granularity: 'filter',
        skip: undefined,
        includeOutput: false,
        seed: 0,
        compensate: undefined,
        calibration: data,
        calibrationSamples: 300,
      },
    );
    expect(() => pruneOptions(parse(PRUNE_FLAGS, ['--structured', 'filter', '--nm', '2:4']))).toThrow(
      'choose one of --structured and --nm',
    );
    const q = quantizeOptions(parse(QUANTIZE_FLAGS, ['--bits', '4', '--asymmetric', '--activations', '8']), data);
    expect(q).toEqual({
      weights: { bits: 4, perChannel: true, scheme: 'asymmetric', scale: 'float' },
      activations: { bits: 8, observer: 'minmax' },
      calibration: data,
      calibrationSamples: undefined,
      equalize: false,
    });
    expect(quantizeOptions(parse(QUANTIZE_FLAGS, []), data).calibration).toBeUndefined(); // weights only: no calibration
  });

  it("the CLI's help shows every declared help text, with its default", () => {
    const program = buildProgram();
    for (const [command, names] of Object.entries(COMMANDS)) {
      const text = program.commands
        .find((c) => c.name() === command)!
        .helpInformation()
        .replace(/\s+/g, ' ');
      for (const name of names) {
        const d = FLAGS[name] as { flags: string; help: string; default?: unknown };
        expect(text, `${command} ${d.flags}`).toContain(d.flags);
        expect(text, `${command} ${d.flags}`).toContain(d.help);
        if (d.default !== undefined) expect(text).toContain(`${d.help} (default: ${JSON.stringify(d.default)})`);
      }
    }
  });
});
