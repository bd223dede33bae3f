import {
  autoCompress,
  buildPlanModel,
  measureSaved,
  measureSearch,
  mnist,
  referenceModel,
  tunePlan,
  describeChoice,
  DEFAULT_LEARNING_RATES,
  type Choice,
  type PlanChoices,
  type Search,
} from '@whittle/core';
import os, { loadavg } from 'node:os';
import { BITS, choicesOf, FULL, gzipOf, SPARSITIES, type Grid } from './auto-common.js';
import { factorizeRows } from './auto-factorize.js';
import { benchTable, disposeAll, fmt, mean, pct, sd, type Benchmark, type Figure } from './harness.js';

/** Uniform settings fine-tuned per budget (the best before fine-tuning first); quick mode (CI) fine-tunes 1. */
const UNIFORM_TOP = 3;
/** Quick mode's mobilenet-mini (CI): a smaller grid, so the second model costs seconds, not minutes. */
const SMALL: Grid = { sparsities: [0, 0.5, 0.9], bits: [32, 8, 4, 2] };
const pp = (v: number) => `${(v * 100).toFixed(2)} pp`;
const signed = (v: number) => `${v >= 0 ? '+' : ''}${pp(v)}`;
const uniformPlan = (s: Search, choice: Choice): PlanChoices => Object.fromEntries(s.layers.map((l) => [l.name, choice]));
type Model = ReturnType<typeof referenceModel>;
type Data = ReturnType<typeof mnist>;

const search = (model: Model, data: Data, workers: number, calibrationSamples: number, grid = FULL) =>
  measureSearch(model, data.train, data.test, {
    choices: choicesOf(grid),
    size: 'gzip',
    workers,
    calibrationSamples,
    seed: 0,
    baselines: true,
  });

/** 1 and 2 threads, interleaved 1-2-2-1 so a load change during the run hits both alike. */
async function timeWorkers(model: Model, data: Data, calibrationSamples: number, log: (l: string) => void) {
  const runs: { workers: number; seconds: number; cpu: number; load: number; search: Search }[] = [];
  for (const workers of [1, 2, 2, 1]) {
    const load = loadavg()[0]!;
    const cpu0 = process.cpuUsage();
    const s = await search(model, data, workers, calibrationSamples);
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6; // every thread of this process: the main thread and the workers
    runs.push({ workers, seconds: s.seconds, cpu, load, search: s });
    log(`search with ${workers} thread(s): ${s.seconds.toFixed(1)} s, ${cpu.toFixed(1)} CPU s (load average before: ${load.toFixed(1)})`);
  }
  const total = (w: number) => runs.filter((r) => r.workers === w).reduce((a, r) => a + r.seconds, 0);
  const identical = runs.every((r) => JSON.stringify(r.search.layers) === JSON.stringify(runs[0]!.search.layers));
  const cpu = (w: number) => runs.filter((r) => r.workers === w).reduce((a, r) => a + r.cpu, 0) / 2;
  return { runs, one: total(1) / 2, two: total(2) / 2, speedup: total(1) / total(2), identical, cpuOne: cpu(1), cpuTwo: cpu(2) };
}

interface Uniform {
  label: string;
  choice: Choice;
  before: number;
  bytes: number;
  accuracy: number;
  learningRate: number;
  /** Settings fine-tuned to pick this one (each: label, accuracy after fine-tuning or why it was dropped). */
  tried: string[];
}

/** autoCompress's fine-tuning with its defaults: each candidate rate on the training split minus a validation slice, the best on the slice refit on all of it. */
const fineTuneLikeAuto = (model: Model, data: Data, plan: PlanChoices, epochs: number, seed: number) =>
  tunePlan(model, plan, data.train, { epochs, batchSize: 64, learningRates: DEFAULT_LEARNING_RATES, validationFraction: 0.1, seed });

/**
 * The best uniform setting after the same fine-tuning as auto (the same learning-rate choice, on the training split). Candidates: the settings whose saved file fits the
 * budget, best test accuracy before fine-tuning first; `top` of them are fine-tuned and measured (saved file,
 * reloaded), and the most accurate that still fits wins. A candidate that one already fine-tuned dominates (it is at
 * most as sparse with at least as many bits: 95 % sparse 6-bit after 95 % sparse float32) is skipped: at a tight
 * budget such near-copies tie before fine-tuning (all near chance) and would take every fine-tune.
 */
async function bestUniform(model: Model, data: Data, s: Search, choices: Choice[], budget: number, epochs: number, top: number) {
  const planOf = (c: number) => Object.fromEntries(s.layers.map((l) => [l.name, choices[c]!]));
  const fitting: number[] = [];
  for (let c = 0; c < choices.length; c++) {
    const applied = buildPlanModel(model, planOf(c)).model;
    if ((await gzipOf(applied, planOf(c))) <= budget) fitting.push(c);
    applied.dispose();
  }
  const order = fitting.sort((x, y) => s.uniformAccuracy[y]! - s.uniformAccuracy[x]!);
  const done: number[] = [];
  const dominated = (c: number) => done.some((d) => choices[d]!.sparsity <= choices[c]!.sparsity && choices[d]!.bits >= choices[c]!.bits);
  let best: Uniform | undefined;
  const tried: string[] = [];
  for (const c of order) {
    // `top` candidates, or more while none of them still fits after fine-tuning
    if (tried.length >= top && best) break;
    if (dominated(c)) continue;
    done.push(c);
    const plan = planOf(c);
    const tuned = await fineTuneLikeAuto(model, data, plan, epochs, 0);
    const m = await measureSaved(tuned.model, plan, data.test, 'gzip');
    disposeAll(tuned.model, m.model);
    const label = describeChoice(choices[c]!);
    const before = s.uniformAccuracy[c]!;
    tried.push(
      `${label} ${pct(before)} → ${m.bytes > budget ? `${m.bytes} B, over budget` : `${pct(m.accuracy)} (Adam ${tuned.learningRate})`}`,
    );
    if (m.bytes <= budget && (!best || m.accuracy > best.accuracy))
      best = { label, choice: choices[c]!, before, bytes: m.bytes, accuracy: m.accuracy, learningRate: tuned.learningRate, tried };
  }
  return best && { ...best, fitting: fitting.length };
}

const SPREAD_SEEDS = [0, 1, 2, 3, 4];
/** Two-sided 95 % quantile of Student's t with 4 degrees of freedom (5 paired seeds). */
const T_95_DF4 = 2.776;

/** Rows closer than this (auto − uniform, fraction) are fine-tuned again over seeds: 5 test digits in 2,000. */
const SPREAD_BELOW = 0.0025;

/**
 * Where auto and uniform are within a few test digits, is the gap more than fine-tuning noise? Both plans fine-tuned again
 * the way autoCompress does (rate chosen on a validation slice) with seeds 0–4 — the seed moves the slice and the
 * shuffling — each measured from its saved file.
 */
async function seedSpread(model: Model, data: Data, auto: PlanChoices, uniform: PlanChoices, epochs: number) {
  const run = async (plan: PlanChoices, seed: number) => {
    const tuned = await fineTuneLikeAuto(model, data, plan, epochs, seed);
    const m = await measureSaved(tuned.model, plan, data.test, 'gzip');
    disposeAll(tuned.model, m.model);
    return { accuracy: m.accuracy, rate: tuned.learningRate };
  };
  const a: { accuracy: number; rate: number }[] = [];
  const u: { accuracy: number; rate: number }[] = [];
  for (const seed of SPREAD_SEEDS) {
    a.push(await run(auto, seed));
    u.push(await run(uniform, seed));
  }
  const [ma, mu] = [mean(a.map((x) => x.accuracy)), mean(u.map((x) => x.accuracy))];
  const diffs = a.map((x, i) => x.accuracy - u[i]!.accuracy);
  const wins = diffs.filter((d) => d >= 0).length;
  // paired over seeds: 95 % interval of the mean difference (Student's t, 4 degrees of freedom)
  const half = (T_95_DF4 * sd(diffs)) / Math.sqrt(diffs.length);
  const rates = (xs: { rate: number }[]) => xs.map((x) => x.rate).join(', ');
  const text =
    `auto ${pct(ma)} ± ${pp(sd(a.map((x) => x.accuracy)))}, uniform ${pct(mu)} ± ${pp(sd(u.map((x) => x.accuracy)))} ` +
    `(mean ± sd; auto − uniform ${signed(ma - mu)}, 95 % interval ${signed(ma - mu - half)} to ${signed(ma - mu + half)}, auto at least as good in ${wins} of ${SPREAD_SEEDS.length}; ` +
    `rates chosen: auto ${rates(a)}, uniform ${rates(u)})`;
  return { text, diff: ma - mu, low: ma - mu - half, high: ma - mu + half };
}

/** Auto plan vs the best uniform setting at each budget, same fine-tuning. */
async function compareAtBudgets(
  name: string,
  model: Model,
  data: Data,
  s: Search,
  o: {
    divisors: number[];
    epochs: number;
    calibrationSamples: number;
    top: number;
    log: (l: string) => void;
    grid?: Grid;
    /** Where auto and uniform are within SPREAD_BELOW, fine-tune both again over seeds (full mode). */
    spread?: boolean;
  },
) {
  const grid = o.grid ?? FULL;
  const choices = choicesOf(grid);
  const { train, test } = data;
  const fp32 = await gzipOf(model, {});
  const rows: (string | number)[][] = [];
  const figures: Figure[] = [];
  const tried: string[] = [];
  const missed: string[] = [];
  const spreads: string[] = [];
  for (const divisor of o.divisors) {
    const budget = Math.floor(fp32 / divisor);
    o.log(`${name}, budget 1/${divisor}: ${budget} B`);
    const auto = await autoCompress(
      model,
      {
        train,
        test,
        budget: { bytes: budget },
        epochs: o.epochs,
        workers: 2,
        calibrationSamples: o.calibrationSamples,
        sparsities: grid.sparsities,
        bits: grid.bits,
        rounds: 3,
      },
      { search: s },
    );
    const chosen = auto.report.rounds.find((r) => r.round === auto.report.chosenRound)!;
    auto.model.dispose();
    const uniform = await bestUniform(model, data, s, choices, budget, o.epochs, o.top);
    const planText = auto.report.layers.map((l) => `${l.name} ${describeChoice(l)}`).join('; ');
    const diff = uniform ? chosen.accuracy - uniform.accuracy : NaN;
    const row = `${name} 1/${divisor}`;
    // The issue's targets: auto is never worse than uniform; where uniform loses ≥ 1 pp against fp32, auto is ≥ 0.5 pp better.
    const original = auto.report.original.accuracy;
    const uniformLoss = uniform ? original - uniform.accuracy : NaN;
    // Within a few test digits, one fine-tuning seed cannot tell: judge "never worse" on seeds 0–4, paired. Worse means
    // the whole 95 % interval of the mean difference is below 0; an interval around 0 is a tie, said as such.
    const spread =
      uniform && diff < SPREAD_BELOW && o.spread
        ? await seedSpread(model, data, auto.plan, uniformPlan(s, uniform.choice), o.epochs)
        : undefined;
    const over = `over seeds ${SPREAD_SEEDS[0]}–${SPREAD_SEEDS.at(-1)}`;
    const neverWorse = !spread
      ? diff >= 0
        ? 'never worse: met'
        : '**never worse: MISSED**'
      : spread.diff >= 0
        ? `never worse ${over}: met (mean ${signed(spread.diff)})`
        : spread.high >= 0
          ? `never worse ${over}: met as a tie (mean ${signed(spread.diff)}, 95 % interval ${signed(spread.low)} to ${signed(spread.high)})`
          : `**never worse ${over}: MISSED** (mean ${signed(spread.diff)}, 95 % interval below 0)`;
    const checks = uniform
      ? [
          neverWorse,
          uniformLoss >= 0.01
            ? `uniform lost ${pp(uniformLoss)} ≥ 1 pp vs fp32 → ${diff >= 0.005 ? 'auto ≥ +0.5 pp: met' : '**auto ≥ +0.5 pp: MISSED**'}`
            : `uniform lost ${pp(uniformLoss)} < 1 pp vs fp32 (the +0.5 pp bound does not apply)`,
        ]
      : ['no uniform setting fits'];
    o.log(`${row}: auto ${pct(chosen.accuracy)}, uniform ${uniform ? pct(uniform.accuracy) : '–'}; ${checks.join('; ')}`);
    rows.push([
      `${row} (${budget.toLocaleString('en-US')} B)`,
      `${pct(chosen.accuracy)} (${chosen.bytes.toLocaleString('en-US')} B, round ${chosen.round}, Adam ${chosen.learningRate}${chosen.met ? '' : ', MISSED'})`,
      planText,
      uniform
        ? `${pct(uniform.accuracy)} (${uniform.bytes.toLocaleString('en-US')} B, every layer ${uniform.label}, Adam ${uniform.learningRate})`
        : 'none fits',
      uniform ? signed(diff) : '–',
      checks.join('; '),
      `${pct(Math.max(0, chosen.predictedAccuracy))} / ${pct(chosen.accuracyBeforeFineTune)}`,
    ]);
    if (uniform) tried.push(`${row} (${uniform.fitting} settings fit): ${uniform.tried.join(', ')}`);
    if (spread) {
      o.log(`${row} seed spread: ${spread.text}`);
      spreads.push(
        `${row}, auto and uniform within ${pp(SPREAD_BELOW)} at seed 0: both plans fine-tuned again with seeds ${SPREAD_SEEDS.join(', ')}: ${spread.text}.`,
      );
    }
    missed.push(...checks.filter((c) => c.includes('MISSED')).map((c) => `${row}: ${c.replace(/\*\*/g, '')}`));
    figures.push({ name: `${name}: auto accuracy at 1/${divisor}`, value: chosen.accuracy, unit: 'fraction' });
    if (uniform) figures.push({ name: `${name}: uniform accuracy at 1/${divisor}`, value: uniform.accuracy, unit: 'fraction' });
  }
  return { rows, figures, fp32, tried, missed, spreads };
}

export const autoBench: Benchmark = {
  name: 'auto',
  title: 'Compress to a budget: per-layer plan (autoCompress) vs the best uniform setting',
  description:
    'Pretrained LeNet-5 and mobilenet-mini, budgets of 1/8, 1/16 and 1/32 (LeNet-5) and 1/4, 1/5 and 1/6 (mobilenet-mini, whose smallest plan is 1/8.3) ' +
    'of their float32 size (gzip bytes of the saved files), techniques prune + quantize ' +
    `(sparsity ${SPARSITIES.join(', ')} × bits ${BITS.join(', ')}; 32 = float). Auto: per-layer choice by multiple-choice knapsack over measured ` +
    'calibration-accuracy drops and encoded bytes, then QAT fine-tuning with masks at the Adam rate (of 1e-3, 3e-4, 1e-4) most accurate on a validation slice held out of the training split, saved (packed per-layer bits), reloaded and measured. ' +
    'Uniform: every layer the same (sparsity, bits); among those whose saved file fits the budget, the ' +
    `${UNIFORM_TOP} best by test accuracy before fine-tuning (skipping one that a setting already chosen dominates: at most as sparse, at least as many bits) ` +
    'each get the same fine-tuning as auto and the same measurement (saved file, reloaded), and the best after fine-tuning is the baseline (1 in quick mode). ' +
    'Targets (issue 18): auto is never worse than uniform; where uniform loses ≥ 1 pp against the float32 model, auto is ≥ 0.5 pp better. ' +
    'Where auto and uniform are within 0.25 pp (5 test digits) or auto is behind, one fine-tuning seed cannot decide: both plans are fine-tuned again with seeds 0–4 (full mode); ' +
    '"never worse" is met when the mean difference is ≥ 0, met as a tie when its paired 95 % interval (Student\'s t) contains 0, and missed when the interval is below 0. ' +
    'Search = the sensitivity measurements, byte counts and uniform baselines (no fine-tuning); ' +
    "LeNet-5's is timed with 1 and 2 threads (1 = the calling thread alone; 2 = it and one worker thread sharing the tasks), interleaved 1-2-2-1 in the same run.",
  run: async ({ quick, log }) => {
    const { figures, rows, notes, result } = benchTable([
      'model, budget',
      'auto: accuracy (bytes)',
      'auto plan per layer',
      'best uniform: accuracy (bytes)',
      'auto − uniform',
      'targets',
      'auto predicted / applied before fine-tuning',
    ]);
    const epochs = quick ? 1 : 2;
    const top = quick ? 1 : UNIFORM_TOP;
    const calibrationSamples = quick ? 200 : 1000;

    const lenet = referenceModel('lenet-5', { pretrained: true });
    const lenetData = mnist({ layout: 'image', ...(quick ? { limit: 600 } : {}) });
    const t = await timeWorkers(lenet, lenetData, calibrationSamples, log);
    const s = t.runs[1]!.search;
    figures.push(
      { name: 'search seconds, 1 thread', value: t.one, unit: 's' },
      { name: 'search seconds, 2 threads', value: t.two, unit: 's' },
      { name: 'search speed-up, 2 vs 1 thread', value: t.speedup, unit: '×' },
      { name: 'search CPU seconds, 1 thread', value: t.cpuOne, unit: 's' },
      { name: 'search CPU seconds, 2 threads', value: t.cpuTwo, unit: 's' },
    );
    const loads = t.runs.map((r) => r.load.toFixed(1)).join(', ');
    notes.push(
      `LeNet-5 search (${s.points} accuracy points on ${s.calibrationSamples} calibration samples, the uniform baselines on ${lenetData.test.size} test digits, ` +
        `and ${s.layers.length * s.choices.length} encoded byte counts): runs ${t.runs.map((r) => `${r.workers}t ${fmt(r.seconds)} s`).join(', ')} → ` +
        `mean ${fmt(t.one)} s with 1 thread, ${fmt(t.two)} s with 2 → ${fmt(t.speedup)}× (target ≥ 1.6×; search ≤ 60 s); ` +
        `CPU time (all threads) ${fmt(t.cpuOne)} s with 1 thread, ${fmt(t.cpuTwo)} s with 2 (the parallel run's extra work: the worker's start-up — its own tfjs and wasm backend — and its own prefix activations); ` +
        `all four measurements identical: ${t.identical ? 'yes' : 'NO'}. Load average (1 min) before each run: ${loads} on ${os.availableParallelism()} cores` +
        (Math.max(...t.runs.map((r) => r.load)) > 2.5
          ? ' — the machine was shared with other sessions: times are noisy and a speed-up needs free cores.'
          : '.'),
    );
    const l = await compareAtBudgets('LeNet-5', lenet, lenetData, s, {
      divisors: quick ? [16] : [8, 16, 32],
      epochs,
      calibrationSamples,
      top,
      log,
      spread: !quick,
    });
    rows.push(...l.rows);
    figures.push(...l.figures);
    disposeAll(lenet, lenetData.train, lenetData.test);

    // mobilenet-mini: five times LeNet-5's arithmetic per digit, so a smaller split (fine-tuning and test) and calibration subset.
    const mobile = referenceModel('mobilenet-mini', { pretrained: true });
    const mobileData = mnist({ layout: 'image', limit: quick ? 300 : MOBILE_LIMIT });
    const ms = await search(mobile, mobileData, 2, quick ? 100 : MOBILE_CALIBRATION, quick ? SMALL : FULL);
    log(`mobilenet-mini search, 2 threads: ${ms.seconds.toFixed(1)} s`);
    figures.push({ name: 'mobilenet-mini search seconds, 2 threads', value: ms.seconds, unit: 's' });
    const m = await compareAtBudgets('mobilenet-mini', mobile, mobileData, ms, {
      // Its BatchNorm parameters stay float32, so every layer at 95 % sparse and 2-bit is only 8.3× smaller: budgets of 1/4 to 1/6.
      divisors: quick ? [5] : [4, 5, 6],
      epochs,
      calibrationSamples: ms.calibrationSamples,
      top,
      log,
      grid: quick ? SMALL : FULL,
      spread: !quick,
    });
    rows.push(...m.rows);
    figures.push(...m.figures);
    notes.push(
      `mobilenet-mini: ${m.fp32.toLocaleString('en-US')} gzip bytes; search ${fmt(ms.seconds)} s with 2 threads (${ms.points} points on ${ms.calibrationSamples} calibration samples); ` +
        `fine-tuned on ${mobileData.train.size.toLocaleString('en-US')} training digits, tested on ${mobileData.test.size.toLocaleString('en-US')}` +
        (quick ? `; quick mode: sparsity ${SMALL.sparsities.join(', ')} × bits ${SMALL.bits.join(', ')}.` : '.'),
    );
    disposeAll(mobile, mobileData.train, mobileData.test);
    const f = await factorizeRows(quick, epochs, log);
    rows.push(...f.rows);
    figures.push(...f.figures);
    notes.push(f.note);
    notes.push(
      `uniform settings fine-tuned per budget (label, test accuracy before → after fine-tuning): ${[...l.tried, ...m.tried].join('; ')}.`,
      [...l.missed, ...m.missed].length
        ? `**targets missed:** ${[...l.missed, ...m.missed].join('; ')}.`
        : 'targets: met at every budget (auto never worse; ≥ +0.5 pp wherever uniform lost ≥ 1 pp).',
      ...l.spreads,
      `original LeNet-5: ${l.fp32.toLocaleString('en-US')} gzip bytes; ${epochs} fine-tuning epoch(s) (batch 64) for both auto and uniform, each plan at the Adam rate (of ${DEFAULT_LEARNING_RATES.join(', ')}) most accurate on a stratified 10 % validation slice held out of the training split (each candidate fine-tuned on the other 90 %), then fine-tuned at that rate on the whole training split: autoCompress's default, applied the same way to every uniform candidate${quick ? '; quick mode: 600 train/test digits, one budget per model' : ''}.`,
    );
    return result();
  },
};

const MOBILE_LIMIT = 2000;
const MOBILE_CALIBRATION = 500;
