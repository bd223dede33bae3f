/**
 * A seeded, stratified train/test split of one labelled Dataset, for
 * commands that both fit something (calibration, fine-tuning) and measure
 * accuracy on data the user gave as one folder or file: measuring on the
 * samples that were fitted would flatter the result.
 */
import { checkFraction, fail } from '../errors.js';
import { gather, type Dataset } from './dataset.js';
import { permutation } from './random.js';
import { stratifiedRows } from './subset.js';

export interface SplitOptions {
  /** Share of the samples held out for testing, in (0, 1). Default 0.2. */
  testFraction?: number;
  /** Seed of the shuffle. Default 0. */
  seed?: number;
}

/**
 * round(testFraction · n) samples for test, each class in proportion
 * (within ±1, every class present when there are enough samples), the rest
 * for train; both in seeded random order. The input is not disposed.
 */
export function splitData(data: Dataset, options: SplitOptions = {}): { train: Dataset; test: Dataset } {
  const fraction = checkFraction('splitData', 'testFraction', options.testFraction ?? 0.2);
  if (fraction === 0) fail('splitData', 'testFraction must be in (0, 1), got 0');
  const n = data.size;
  const testSize = Math.round(fraction * n);
  if (testSize < 1 || testSize >= n)
    fail('splitData', `${n} samples are too few for a ${Math.round(fraction * 100)} % test split (need ≥ 1 sample on each side)`);
  const order = permutation(n, options.seed ?? 0);
  const testRows = stratifiedRows(data.labels, testSize, order);
  const inTest = new Uint8Array(n);
  for (const r of testRows) inTest[r] = 1;
  const trainRows = Array.from(order).filter((r) => !inTest[r]);
  return { train: gather(data, trainRows), test: gather(data, testRows) };
}
