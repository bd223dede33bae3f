/**
 * The Whittle kernel under stress (issue 22), driven by a real Jupyter client:
 * background failures, interrupts in the middle of API work, of synchronous
 * tfjs code and of saves, a model reassigned while it trains, and random API
 * calls with bad arguments. Needs the built packages and Debian's Jupyter
 * packages, like kernel.test.ts.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installTestKernel, type TestKernel } from './kernelspec.js';
import { runStress, stressFailures, type Scenario, type StressResult } from './stress-check.js';

let kernel: TestKernel;
let out: StressResult;

beforeAll(() => {
  kernel = installTestKernel();
  out = runStress(kernel.env, mkdtempSync(join(kernel.prefix, 'saves-')), 22, 60);
}, 900_000);
afterAll(() => kernel.remove());

const failures = (scenario: Scenario) => stressFailures(out).filter((f) => f.startsWith(`${scenario}:`));

describe('the Whittle kernel under stress', () => {
  it('survives failures nobody awaits: a rejected promise and a throwing timer', () => {
    expect(failures('background')).toEqual([]);
  });

  it('an interrupt stops an awaited API fine-tune and the training behind it, leaking nothing', () => {
    expect(failures('api_interrupt')).toEqual([]);
    expect(out.api_interrupt.enames).toEqual(['KeyboardInterrupt']);
  });

  it('an interrupt during synchronous tfjs work leaves tfjs whole: fresh weight names, no leaked tensors', () => {
    expect(failures('sync_interrupt')).toEqual([]);
  });

  it('saves interrupted at random moments leave every folder whole (the old or the new model), with no temporary folders', () => {
    expect(failures('save_interrupt')).toEqual([]);
    expect(out.save_interrupt.folders).toBe(8);
  });

  it('a model reassigned and disposed while its fine-tune runs: the fine-tune finishes on its own copy', () => {
    expect(failures('reassign')).toEqual([]);
  });

  it('answers every random API call with bad arguments with a one-line WhittleError, and stays alive', () => {
    expect(failures('api_fuzz')).toEqual([]);
    expect(out.api_fuzz.calls).toBe(60);
    expect(out.api_fuzz.enames).toEqual({ WhittleError: 60 });
  });
});
