import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addCommandFlags } from './flags.js';
import { compressPipeline, deepOptions } from './pipeline.js';

/** The compress flags as both hosts parse them (the declared ones, defaults included). */
const parse = (args: string[]) => {
  const cmd = addCommandFlags(new Command('compress').exitOverride().configureOutput({ writeErr: () => {} }), 'compress');
  cmd.parse(args, { from: 'user' });
  return cmd.opts();
};

describe('compress: a budget or --pipeline deep, each with its own flags', () => {
  it('a budget by default; --pipeline deep takes Deep Compression’s flags, with deepCompress’s defaults when unset', () => {
    expect(compressPipeline(parse(['--ratio', '8']))).toBe('budget');
    const deep = ['--pipeline', 'deep', '--sparsity', '0.8', '--clusters', 'fc1=8,fc*=16', '--prune-steps', '2', '--anneal-epochs', '1'];
    const flags = parse([...deep, '--shift-copies', '2', '--epochs', '3']);
    expect(compressPipeline(flags)).toBe('deep');
    expect(deepOptions(flags)).toEqual({
      sparsity: 0.8,
      clusters: { fc1: 8, 'fc*': 16 },
      pruneSteps: 2,
      epochs: 3,
      annealEpochs: 1,
      shiftCopies: 2,
    });
    // unset: undefined, so deepCompress's own defaults (0.92, 32, 3) apply; --epochs 2 is the shared default
    expect(deepOptions(parse(['--pipeline', 'deep']))).toEqual({
      sparsity: undefined,
      clusters: undefined,
      pruneSteps: undefined,
      epochs: 2,
      annealEpochs: undefined,
      shiftCopies: undefined,
    });
  });

  it('a deep-only flag without --pipeline deep is a one-line error naming it', () => {
    const deepOnly: [string, string][] = [
      ['--sparsity', '0.9'],
      ['--clusters', '16'],
      ['--prune-steps', '2'],
      ['--anneal-epochs', '1'],
      ['--shift-copies', '2'],
    ];
    for (const [flag, value] of deepOnly)
      expect(() => compressPipeline(parse(['--ratio', '8', flag, value])), flag).toThrow(
        new RegExp(`^whittle: ${flag} needs --pipeline deep \\(a budget plans each layer itself\\)$`),
      );
  });

  it('a budget flag with --pipeline deep is a one-line error naming it; only deep is a pipeline', () => {
    const budgetOnly: [string, string][] = [
      ['--budget', '20kB'],
      ['--ratio', '8'],
      ['--max-drop', '0.5'],
      ['--latency', '5'],
      ['--techniques', 'prune'],
      ['--sparsity-levels', '0.5,0.9'],
      ['--bit-levels', '8,4'],
      ['--rank-levels', '0.5'],
      ['--calibration-samples', '100'],
      ['--workers', '1'],
      ['--rounds', '2'],
      ['--size', 'bytes'],
    ];
    for (const [flag, value] of budgetOnly)
      expect(() => compressPipeline(parse(['--pipeline', 'deep', flag, value])), flag).toThrow(
        new RegExp(`^whittle: ${flag} is a budget flag; --pipeline deep runs a fixed sequence \\(drop one of them\\)$`),
      );
    // parsed flags do not say whether a default was typed out: at its default a budget flag is not noticed
    expect(compressPipeline(parse(['--pipeline', 'deep', '--rounds', '3']))).toBe('deep');
    expect(() => parse(['--pipeline', 'magic'])).toThrow("option '--pipeline <name>' argument 'magic' is invalid. must be one of deep");
    expect(() => compressPipeline({ pipeline: 'magic' })).toThrow(/^whittle: --pipeline must be 'deep', got 'magic'$/);
  });
});
