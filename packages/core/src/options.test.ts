import { describe, expect, it } from 'vitest';
import { checkOptions, closestName, omitKeys, optionKeys, pickKeys } from './options.js';
import { WhittleError } from './errors.js';

describe('checkOptions', () => {
  const known = ['sparsity', 'method', 'scope', 'skip', 'includeOutput'];

  it('accepts known keys and undefined', () => {
    expect(() => checkOptions('prune', { sparsity: 0.5, scope: 'layer' }, known)).not.toThrow();
    expect(() => checkOptions('prune', {}, known)).not.toThrow();
    expect(() => checkOptions('prune', undefined, known)).not.toThrow();
  });

  it('rejects an unknown key in one line, with the closest known name', () => {
    expect(() => checkOptions('prune', { sparsityx: 1 }, known)).toThrow(WhittleError);
    expect(() => checkOptions('prune', { sparsityx: 1 }, known)).toThrow("prune: unknown option 'sparsityx' (did you mean 'sparsity'?)");
    expect(() => checkOptions('prune', { scoep: 'global' }, known)).toThrow("(did you mean 'scope'?)");
    expect(() => checkOptions('prune', { includeoutput: true }, known)).toThrow("(did you mean 'includeOutput'?)");
  });

  it('lists the known names when nothing is close', () => {
    expect(() => checkOptions('prune', { zzzzzzzz: 1 }, known)).toThrow(
      "prune: unknown option 'zzzzzzzz' (known: sparsity, method, scope, skip, includeOutput)",
    );
  });

  it('rejects options that are not a plain object, and names nested option groups', () => {
    expect(() => checkOptions('fit', 3, known)).toThrow('fit: options must be an object, got number');
    expect(() => checkOptions('fit', null, known)).toThrow('fit: options must be an object, got null');
    expect(() => checkOptions('fit', [1], known)).toThrow('fit: options must be an object, got an array');
    expect(() => checkOptions('quantize', { bitz: 4 }, ['bits'], 'weights option')).toThrow(
      "quantize: unknown weights option 'bitz' (did you mean 'bits'?)",
    );
  });
});

describe('closestName (Levenshtein, fastest-levenshtein)', () => {
  it('is the nearest name by edit distance, within max(2, ⌊len/3⌋) edits', () => {
    // worked by hand: d(epochz, epochs) = 1, d(epochz, seed) = 6
    expect(closestName('epochz', ['seed', 'epochs'])).toBe('epochs');
    expect(closestName('lr', ['learningRate'])).toBeUndefined(); // 10 edits
    expect(closestName('ab', ['xy'])).toBe('xy'); // 2 edits, the minimum allowance
    expect(closestName('abc', ['xyz'])).toBeUndefined(); // 3 edits > 2
    expect(closestName('x', [])).toBeUndefined();
  });
});

describe('option key lists', () => {
  interface Opts {
    a?: number;
    b: string;
  }
  it('optionKeys lists the map keys; omitKeys and pickKeys split options between callees', () => {
    expect(optionKeys<Opts>({ a: true, b: true })).toEqual(['a', 'b']);
    expect(omitKeys({ a: true, b: true, c: true } as const, 'b')).toEqual({ a: true, c: true });
    expect(pickKeys({ a: 1, b: 'x', c: 3 }, ['a', 'c'])).toEqual({ a: 1, c: 3 });
  });
});
