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

export function checkFraction(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value >= 1) {
    fail(where, `${name} must be in [0, 1), got ${String(value)}`);
  }
  return value;
}

export function checkPositiveInt(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    fail(where, `${name} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

export function checkIntInRange(where: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(where, `${name} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}
