import { describe, expect, it } from 'vitest';
import { MAGICS, findMagic, help, parseArgs, tokenize, usage, UsageError } from './index.js';

describe('magic declarations', () => {
  const prune = findMagic('prune', 'line')!;

  it('parses flags and positionals from the declaration', () => {
    const { args, opts } = parseArgs(prune, 'model --sparsity 0.8 --scope global --skip "fc*,conv1" --as small');
    expect(args).toEqual(['model']);
    expect(opts).toMatchObject({ sparsity: '0.8', scope: 'global', skip: 'fc*,conv1', as: 'small' });
  });

  it('rejects unknown flags and missing operands with a one-line UsageError plus the usage', () => {
    expect(() => parseArgs(prune, 'model --frob')).toThrow(UsageError);
    expect(() => parseArgs(prune, 'model --frob')).toThrow("unknown option '--frob'\nusage: %prune [options] <model>");
    expect(() => parseArgs(prune, '')).toThrow("missing required argument 'model'");
    expect(() => parseArgs(prune, 'a b')).toThrow(/too many arguments/);
  });

  it('help comes from the same declaration: every option of %prune is documented', () => {
    const text = help(prune);
    for (const flag of [
      '--sparsity',
      '--method',
      '--scope',
      '--structured',
      '--nm',
      '--skip',
      '--calibrate',
      '--fine-tune',
      '--epochs',
      '--as',
    ])
      expect(text).toContain(flag);
    expect(text.split('\n')[0]).toBe(`Usage: ${usage(prune)}`);
    expect(help(findMagic('time', 'cell')!)).toMatch(/^Usage: %%time/);
  });

  it('every magic has a summary and a unique name per kind', () => {
    const keys = MAGICS.map((m) => `${m.kind}:${m.name}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const m of MAGICS) expect(m.summary.length).toBeGreaterThan(10);
  });

  it('tokenizes like a shell: quotes keep spaces; operators must be quoted', () => {
    expect(tokenize(`m --skip "a b" --levels 0.1:0.9:0.1`)).toEqual(['m', '--skip', 'a b', '--levels', '0.1:0.9:0.1']);
    expect(() => tokenize('m | x')).toThrow("unexpected '|' in magic arguments; quote it");
  });

  it('%factorize and %prune_inputs are declared with the shared vocabulary', () => {
    const f = findMagic('factorize', 'line')!;
    expect(parseArgs(f, 'lenet --energy 0.9 --as low').opts).toMatchObject({ energy: '0.9', method: 'svd', as: 'low' });
    for (const flag of ['--energy', '--rank', '--ratio', '--method', '--calibrate', '--fine-tune', '--as']) expect(help(f)).toContain(flag);
    const p = findMagic('prune_inputs', 'line')!;
    expect(parseArgs(p, 'm --keep 0.5 --data train --steps 5 --as small').opts).toMatchObject({ keep: '0.5', data: 'train', steps: '5' });
    expect(() => parseArgs(p, 'm')).toThrow(/required option '--keep <k>' not specified/);
  });
});
