/**
 * Parsers of flag text, shared by the CLI and the magics through FLAGS (flags.ts).
 * Each throws commander's InvalidArgumentError with the rule, so both hosts print
 * `option '--bits <b>' argument '2.5' is invalid. must be …`.
 */
import { InvalidArgumentError } from 'commander';
import { WhittleError } from '../errors.js';
import { parseLevels } from './levels.js';

export const number = (v: string): number => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
};

export const wholeNumber =
  (min: number) =>
  (v: string): number => {
    const n = number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
    return n;
  };

/** The parser carries its `choices`, so the kernel can tab-complete them. */
export const oneOf = <T extends string>(choices: readonly T[]) =>
  Object.assign(
    (v: string): T => {
      if (!choices.includes(v as T)) throw new InvalidArgumentError(`must be one of ${choices.join(', ')}`);
      return v as T;
    },
    { choices },
  );

export const nm = (v: string): { n: number; m: number } => {
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('must look like 2:4');
  return { n: Number(m[1]), m: Number(m[2]) };
};

export const bits = (v: string): number | 'ternary' | 'float16' => {
  if (v === 'ternary' || v === 'float16') return v;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer 1…16, ternary or float16');
  return n;
};

export const list = (v: string): string[] => v.split(',').map((s) => s.trim());

/** `--levels 0.5,0.9` or `0.1:0.9:0.1` (see levels.ts). */
export const levels = (v: string): number[] => {
  try {
    return parseLevels(v);
  } catch (err) {
    if (err instanceof WhittleError)
      throw new InvalidArgumentError('must be a list like 0.5,0.8 or a range start:stop:step like 0.1:0.9:0.1');
    throw err;
  }
};

/** `--clusters 16` or `--clusters fc1=32,conv*=64`. */
export const clusters = (text: string): number | Record<string, number> => {
  const k = (v: string) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number or layer=k pairs like fc1=32,conv*=64');
    return n;
  };
  if (!text.includes('=')) return k(text);
  return Object.fromEntries(
    text.split(',').map((pair) => {
      const [layer, v] = pair.split('=');
      if (!layer?.trim() || v === undefined) throw new InvalidArgumentError('must be a number or layer=k pairs like fc1=32,conv*=64');
      return [layer.trim(), k(v)];
    }),
  );
};
