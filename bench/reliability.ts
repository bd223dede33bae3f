/**
 * `npm run bench -- reliability`: the property and fuzz suites of
 * test/reliability at 10× their CI budget (WHITTLE_FUZZ_SCALE scales further),
 * counting per category the cases tried, failures found and failures open, and
 * listing every failure found and fixed with its seed (test/reliability/found.ts).
 */
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { initBackend } from '@whittle/core';
import { OPERATIONS, type Property } from '../test/reliability/operations.js';
import { OPTIONS } from '../test/reliability/options.js';
import { FILES } from '../test/reliability/files.js';
import { FOUND } from '../test/reliability/found.js';
import { runStress, stressFailures } from '../test/kernel/stress-check.js';
import { installTestKernel } from '../test/kernel/kernelspec.js';
import type { Benchmark, Figure } from './harness.js';

const CATEGORY: Record<Property['category'], string> = {
  operations: 'operations × generated models',
  options: 'option fuzz',
  files: 'file fuzz',
};

const root = fileURLToPath(new URL('..', import.meta.url));
const categoryOf = (c: (typeof FOUND)[number]['category']) =>
  c === 'issue' ? 'issue 22 (by hand)' : c === 'kernel' ? 'kernel stress' : CATEGORY[c];

/**
 * test/kernel/stress.py against a real Whittle kernel. Cases: 2 background failures, 2 interrupted
 * cells (API fine-tune, synchronous tfjs), 8 interrupted saves, 2 reassignments, and the API calls.
 */
function kernelStress(seed: number, apiCalls: number): { cases: number; open: string[] } {
  const { prefix, env, remove } = installTestKernel();
  try {
    const out = runStress(env, mkdtempSync(join(prefix, 'saves-')), seed, apiCalls);
    return { cases: 14 + out.api_fuzz.calls, open: stressFailures(out) };
  } finally {
    remove();
  }
}

/** test/kernel/fuzz.py against a real Whittle kernel: random magic lines; every one must be answered and the kernel stay alive. */
function kernelFuzz(lines: number, seed: number): { sent: number; open: string[] } {
  const { env, remove } = installTestKernel();
  try {
    const r = spawnSync('/usr/bin/python3', [join(root, 'test/kernel/fuzz.py'), String(lines), String(seed)], {
      cwd: root,
      env,
      encoding: 'utf8',
      timeout: 1_200_000,
    });
    if (r.status !== 0) return { sent: lines, open: [`fuzz.py exited ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`] };
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { sent: number; answered: number; alive: boolean };
    const open = [
      ...(out.answered < out.sent ? [`${out.sent - out.answered} magic lines unanswered`] : []),
      ...(out.alive ? [] : ['the kernel died']),
    ];
    return { sent: out.sent, open };
  } finally {
    remove();
  }
}

/** Cases per fast-check run: a failure stops a run, so chunks let one property report several. */
const CHUNK = 100;

export const reliabilityBench: Benchmark = {
  name: 'reliability',
  title: 'Reliability: property-based and fuzz cases tried, failures found and open',
  description:
    'The seeded property suites of test/reliability (generated Sequential and functional models over Dense, Conv2D, DepthwiseConv2D, BatchNormalization, ReLU/ReLU6/PReLU, pooling, Flatten, Add, Concatenate, ZeroPadding2D with weights holding exact zeros, ties, huge and tiny magnitudes; generated valid and invalid options; faulted saved folders of every format) at 10× the cases CI runs. Every case checks the caller’s model is unchanged, no tensor leaks, and a valid result or a one-line WhittleError, plus each technique’s own invariant. “Found” counts failures found by the fuzzers and by hand (issue 22) and since fixed, plus any open now.',
  run: async ({ quick, log }) => {
    await initBackend();
    const scale = (quick ? 1 : 10) * Number(process.env.WHITTLE_FUZZ_SCALE ?? 1);
    const seed = Number(process.env.WHITTLE_FUZZ_SEED ?? 22);
    const tried = new Map<string, number>();
    const open: { category: string; property: string; seed: number; path: string; error: string }[] = [];
    for (const p of [...OPERATIONS, ...OPTIONS, ...FILES]) {
      const total = Math.round(p.runs * scale);
      let done = 0;
      for (let chunk = 0; done < total; chunk++) {
        const numRuns = Math.min(CHUNK, total - done);
        const s = seed + chunk;
        const r = await fc.check(p.property, { seed: s, numRuns });
        done += r.numRuns;
        if (r.failed) {
          const error = String((r.errorInstance as Error | undefined)?.message ?? r.errorInstance ?? '').split('\n')[0]!;
          if (!open.some((o) => o.property === p.name && o.error === error))
            open.push({ category: CATEGORY[p.category], property: p.name, seed: s, path: r.counterexamplePath ?? '', error });
          if (r.numRuns === 0) break;
        }
      }
      tried.set(CATEGORY[p.category], (tried.get(CATEGORY[p.category]) ?? 0) + done);
      log(`${p.name}: ${done} cases, ${open.filter((o) => o.property === p.name).length} open`);
    }
    const lines = quick ? 30 : 300;
    log(`kernel fuzz: ${lines} random magic lines`);
    const kernel = kernelFuzz(lines, seed);
    tried.set('kernel fuzz', kernel.sent);
    for (const error of kernel.open) open.push({ category: 'kernel fuzz', property: 'test/kernel/fuzz.py', seed, path: '', error });
    // quick mode (CI) leaves the stress run to npm test, which runs it once already
    const apiCalls = quick ? 0 : 300;
    if (!quick) {
      log(`kernel stress: interrupts, saves, reassignment and ${apiCalls} random API calls`);
      const stress = kernelStress(seed, apiCalls);
      tried.set('kernel stress', stress.cases);
      for (const error of stress.open) open.push({ category: 'kernel stress', property: 'test/kernel/stress.py', seed, path: '', error });
    }
    const foundIn = (c: string) => FOUND.filter((f) => categoryOf(f.category) === c).length;
    const categories = [...new Set([...tried.keys(), 'issue 22 (by hand)'])];
    const rows = categories.map((c) => {
      const o = open.filter((x) => x.category === c).length;
      return [c, tried.get(c) ?? '—', foundIn(c) + o, o];
    });
    const cases = [...tried.values()].reduce((a, b) => a + b, 0);
    const figures: Figure[] = [
      { name: 'cases tried', value: cases, unit: 'cases' },
      { name: 'failures found', value: FOUND.length + open.length, unit: 'failures' },
      { name: 'failures open', value: open.length, unit: 'failures' },
    ];
    const notes = [
      `kernel fuzz: test/kernel/fuzz.py sends ${lines} random magic lines (bad flags, values, operands) to a real Whittle kernel; each must be answered and the kernel stay alive (the same script runs 300 lines in npm test)`,
      `kernel stress: test/kernel/stress.py — promises and timers that fail with nobody awaiting, interrupts during an API fine-tune, during synchronous tfjs code and at random moments of 8 saves (every folder must be the old or the new model, no temporary folders), a model reassigned and disposed while it trains, and ${apiCalls} random API calls with bad arguments (each a one-line WhittleError); npm test runs it with 60 calls`,
      `${cases.toLocaleString('en-US')} cases in all, seed ${seed}, ${scale}× the CI budget; a failure stops a chunk of ${CHUNK} cases, so each chunk can report one failure per property`,
      ...FOUND.map((f) => `fixed — ${f.property}${f.seed !== null ? ` (seed ${f.seed})` : ''}: ${f.failure} → ${f.fix}`),
      ...open.map((o) => `OPEN — ${o.property} (seed ${o.seed}, path ${o.path}): ${o.error}`),
      'the machine was shared with other sessions; the counts do not depend on it',
    ];
    return { figures, table: { columns: ['category', 'cases tried', 'failures found', 'failures open'], rows }, notes };
  },
};
