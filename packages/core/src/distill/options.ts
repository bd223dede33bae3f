import { fail } from '../errors.js';
import { checkOptions } from '../options.js';
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

/** Rejects a missing options object and unknown keys (with the closest known name as a hint). */
export function checkDistillOptions(options: unknown): asserts options is DistillOptions {
  if (typeof options !== 'object' || options === null)
    fail('distill', `options must be an object { teacher, student, data, … }, got ${String(options)}`);
  checkOptions('distill', options, DISTILL_OPTION_KEYS);
  for (const key of ['teacher', 'student', 'data'] as const)
    if ((options as Record<string, unknown>)[key] === undefined) fail('distill', `${key} is required`);
}
