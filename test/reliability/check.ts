/**
 * The invariants every operation owes its caller, as reusable checks:
 * the input model unchanged, no leaked tensors, and either a result or a
 * one-line WhittleError naming where it came from — never a raw tfjs/Node error.
 */
import * as tf from '@tensorflow/tfjs';
import { weightChecksum } from './generate.js';

export class InvariantError extends Error {
  override name = 'InvariantError';
}

export function must(ok: unknown, message: string): asserts ok {
  if (!ok) throw new InvariantError(message);
}

/** Whittle's error form: a WhittleError with one line starting `where: `. */
export function checkWhittleError(err: unknown, where: string | string[]): void {
  const e = err as Error;
  const allowed = Array.isArray(where) ? where : [where];
  must(e instanceof Error, `threw a non-Error: ${String(err)}`);
  must(e.name === 'WhittleError', `raw ${e.name} instead of a WhittleError: ${e.message.split('\n')[0]}`);
  must(!e.message.includes('\n'), `error message spans lines: ${JSON.stringify(e.message)}`);
  must(
    allowed.some((w) => e.message.startsWith(`${w}: `)),
    `error does not start with ${allowed.map((w) => `'${w}: '`).join(' or ')}: ${e.message}`,
  );
  must(e.message.length < 600, `error message is ${e.message.length} characters long: ${e.message.slice(0, 300)}…`);
}

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

/**
 * Runs `op` on `models` (the caller's inputs) and checks what every operation owes:
 * inputs unchanged (weight checksum), a WhittleError in Whittle's form if it throws,
 * and no tensors left behind once `dispose` has freed what it returned.
 */
export async function guarded<T>(
  where: string | string[],
  models: tf.LayersModel[],
  op: () => T | Promise<T>,
  dispose: (value: T) => void,
  inspect?: (value: T) => void | Promise<void>,
): Promise<Outcome<T>> {
  const sums = models.map(weightChecksum);
  const before = tf.memory().numTensors;
  let outcome: Outcome<T>;
  try {
    outcome = { ok: true, value: await op() };
  } catch (error) {
    outcome = { ok: false, error };
  }
  try {
    if (outcome.ok && inspect) await inspect(outcome.value);
  } finally {
    if (outcome.ok) dispose(outcome.value);
  }
  if (!outcome.ok) checkWhittleError(outcome.error, where);
  const leaked = tf.memory().numTensors - before;
  must(leaked === 0, `${leaked} tensors leaked (${outcome.ok ? 'after success' : 'after an error'})`);
  models.forEach((m, i) => must(weightChecksum(m) === sums[i], `the caller's model '${m.name}' was changed`));
  return outcome;
}

/** Relative closeness of two outputs: |a−b| ≤ tol·max|b| elementwise, non-finite values equal. */
export function closeOutputs(a: Float32Array, b: Float32Array, tol: number): string | null {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  let scale = 0;
  for (const v of b) if (Number.isFinite(v)) scale = Math.max(scale, Math.abs(v));
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      if (!Object.is(x, y) && !(Number.isNaN(x) && Number.isNaN(y))) return `index ${i}: ${x} vs ${y}`;
      continue;
    }
    if (Math.abs(x - y) > tol * scale + 1e-30) return `index ${i}: ${x} vs ${y} (scale ${scale})`;
  }
  return null;
}

/** Budget: cases per property = base × WHITTLE_FUZZ_SCALE (default 1); seed from WHITTLE_FUZZ_SEED (default 22). */
export function budget(base: number): { numRuns: number; seed: number } {
  const scale = Number(process.env.WHITTLE_FUZZ_SCALE ?? 1);
  const seed = Number(process.env.WHITTLE_FUZZ_SEED ?? 22);
  return { numRuns: Math.max(1, Math.round(base * (Number.isFinite(scale) && scale > 0 ? scale : 1))), seed };
}
