/**
 * One error type for everything Whittle rejects, so callers (the CLI, the kernel)
 * can print `err.message` as a single line without a stack trace.
 * Messages follow one rule: name the thing, the rule and the value —
 * `prune: sparsity must be in [0, 1), got 1.2`.
 */
export class WhittleError extends Error {
  override name = 'WhittleError';
}

/** Throws a WhittleError: `${where}: ${message}`. */
export function fail(where: string, message: string): never {
  throw new WhittleError(`${where}: ${message}`);
}

/**
 * A value as it appears in an error message. Never throws: `String(v)` does for
 * objects without a prototype, and a message about a bad value must not become
 * a second, raw error.
 */
export function show(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'function') return 'a function';
  if (value === null || typeof value !== 'object') return String(value);
  try {
    const s = JSON.stringify(value);
    return s === undefined ? Object.prototype.toString.call(value) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A list of layer names or globs (`skip`, `layers`): an array of strings. */
export function checkNames(where: string, name: string, value: unknown): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string'))
    fail(where, `${name} must be a list of layer names or globs, got ${show(value)}`);
  return value;
}

export function checkFraction(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    fail(where, `${name} must be in [0, 1), got ${show(value)}`);
  }
  return value;
}

export function checkPositiveInt(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(where, `${name} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

export function checkIntInRange(where: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(where, `${name} must be an integer in [${min}, ${max}], got ${show(value)}`);
  }
  return value;
}
