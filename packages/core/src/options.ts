/**
 * Unknown option keys are errors, with the closest known name as a hint:
 * a misspelled `{ sparsityx: 0.9 }` silently falling back to a default is the
 * worst kind of bug — the call "works" and does something else.
 */
import { closest, distance } from 'fastest-levenshtein';
import { fail } from './errors.js';

/**
 * The option names of an options interface, listed once next to it. The map's
 * type demands every key of `T` and (object-literal excess checks) no other,
 * so the list cannot drift from the interface: a new option that is not added
 * here is a compile error, not a runtime rejection.
 */
export function optionKeys<T>(map: { [K in keyof Required<T>]: true }): readonly (keyof T & string)[] {
  return Object.keys(map) as (keyof T & string)[];
}

/** `did you mean` only for names within a third of the key's length (at least 2 edits), as commander does for flags. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const best = closest(name, known as string[]);
  return distance(name, best) <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * Throws `where: unknown option 'x' (did you mean 'y'?)` for the first key of
 * `options` not in `known`. `undefined` passes (every options argument is optional
 * or defaulted); anything but a plain object is rejected.
 */
export function checkOptions(where: string, options: unknown, known: readonly string[], name = 'option'): void {
  if (options === undefined) return;
  if (typeof options !== 'object' || options === null || Array.isArray(options))
    fail(where, `${name}s must be an object, got ${options === null ? 'null' : Array.isArray(options) ? 'an array' : typeof options}`);
  for (const key of Object.keys(options)) {
    if (known.includes(key)) continue;
    const hint = closestName(key, known);
    fail(where, `unknown ${name} '${key}' (${hint ? `did you mean '${hint}'?` : `known: ${known.join(', ')}`})`);
  }
}

/** `map` without `keys`: option maps of functions that pass some options on and own the rest. */
export function omitKeys<M extends object, K extends keyof M>(map: M, ...keys: K[]): Omit<M, K> {
  const out = { ...map };
  for (const k of keys) delete out[k];
  return out;
}

/** The entries of `options` whose keys are in `keys` (to hand each callee only the options it knows). */
export function pickKeys<T extends object>(options: T, keys: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([k]) => keys.includes(k))) as Partial<T>;
}
