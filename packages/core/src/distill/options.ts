import { fail } from '../errors.js';
import type { DistillOptions } from './distill.js';

/** Every option of distill, listed once (the type demands each key of DistillOptions and no other). */
const KEYS: { [K in keyof Required<DistillOptions>]: true } = {
  teacher: true,
  student: true,
  data: true,
  validation: true,
  temperature: true,
  alpha: true,
  epochs: true,
  batchSize: true,
  learningRate: true,
  optimizer: true,
  seed: true,
  onProgress: true,
  progressEvery: true,
  recalibrateBatchNorm: true,
};
export const DISTILL_OPTION_KEYS = Object.keys(KEYS);

/** Edit distance, for the "did you mean" hint. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length]!;
}

/** Rejects a missing options object and unknown keys (with the closest known name as a hint). */
export function checkDistillOptions(options: unknown): asserts options is DistillOptions {
  if (typeof options !== 'object' || options === null)
    fail('distill', `options must be an object { teacher, student, data, … }, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (DISTILL_OPTION_KEYS.includes(key)) continue;
    const best = [...DISTILL_OPTION_KEYS].sort((a, b) => distance(key, a) - distance(key, b))[0]!;
    fail('distill', `unknown option '${key}' (did you mean '${best}'?)`);
  }
  for (const key of ['teacher', 'student', 'data'] as const)
    if ((options as Record<string, unknown>)[key] === undefined) fail('distill', `${key} is required`);
}
