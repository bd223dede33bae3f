import {
  autoCompress,
  buildPlanModel,
  measureSaved,
  measureSearch,
  mnist,
  realizePlan,
  referenceModel,
  saveModel,
  saveOptionsFor,
  describeChoice,
  type Choice,
  type Search,
} from '@whittle/core';
import { mkdtempSync, rmSync } from 'node:fs';
import os, { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { disposeAll, benchTable, fmt, pct, type Benchmark } from './harness.js';

const SPARSITIES = [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95];
const BITS = [32, 8, 6, 4, 3, 2];
const choices: Choice[] = SPARSITIES.flatMap((sparsity) => BITS.map((bits) => ({ sparsity, bits })));

async function gzipOf(model: Parameters<typeof saveModel>[0], plan: Record<string, Choice>): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-bench-auto-'));
  try {
    return (await saveModel(model, join(dir, 'm'), saveOptionsFor(plan))).gzipBytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const autoBench: Benchmark = {
  name: 'auto',
  title: 'Compress to a budget: per-layer plan (autoCompress) vs the best uniform setting',
  description:
    'Pretrained LeNet-5, budgets of 1/8, 1/16 and 1/32 of its float32 size (gzip bytes of the saved files), techniques prune + quantize ' +
    `(sparsity ${SPARSITIES.join(', ')} × bits ${BITS.join(', ')}; 32 = float). Auto: per-layer choice by multiple-choice knapsack over measured ` +
    'calibration-accuracy drops and encoded bytes, then QAT fine-tuning with masks, saved (packed per-layer bits), reloaded and measured. ' +
    'Uniform: every layer the same (sparsity, bits); among those whose saved file fits the budget, the one with the best test accuracy before fine-tuning ' +
    'gets the same fine-tuning and the same measurement. Search = the sensitivity measurements (no fine-tuning), timed with 1 and 2 worker threads in the same run.',
  run: async ({ quick, log }) => {
    const model = referenceModel('lenet-5', { pretrained: true });
    const { train, test } = mnist({ layout: 'image', ...(quick ? { limit: 600 } : {}) });
    const epochs = quick ? 1 : 2;
    const calibrationSamples = quick ? 200 : 1000;
    const fp32 = await gzipOf(model, {});
    const { figures, rows, notes, result } = benchTable([
      'budget',
      'auto: accuracy (bytes)',
      'auto plan per layer',
      'best uniform: accuracy (bytes)',
      'auto − uniform',
      'auto predicted / applied before fine-tuning',
    ]);
    // Search time: 1 worker and 2 workers, same points, one after the other.
    const searches: Record<number, Search> = {};
    for (const workers of [1, 2]) {
      searches[workers] = await measureSearch(model, train, test, {
        choices,
        size: 'gzip',
        workers,
        calibrationSamples,
        seed: 0,
        baselines: true,
      });
      log(`search with ${workers} worker(s): ${searches[workers]!.seconds.toFixed(1)} s`);
    }
    const search = searches[2]!;
    const identical = JSON.stringify(searches[1]!.layers) === JSON.stringify(search.layers);
    figures.push(
      { name: 'search seconds, 1 worker', value: searches[1]!.seconds, unit: 's' },
      { name: 'search seconds, 2 workers', value: search.seconds, unit: 's' },
      { name: 'search speed-up, 2 vs 1 worker', value: searches[1]!.seconds / search.seconds, unit: '×' },
    );
    notes.push(
      `search (${search.points} points, ${search.calibrationSamples} calibration samples; the uniform baselines on ${test.size} test digits included): ` +
        `${fmt(searches[1]!.seconds)} s with 1 worker, ${fmt(search.seconds)} s with 2 → ${fmt(searches[1]!.seconds / search.seconds)}× (target ≥ 1.6×, ≤ 60 s); ` +
        `1- and 2-worker measurements identical: ${identical ? 'yes' : 'NO'}. The machine was shared with other sessions while this ran (load average ${loadavg()[0]!.toFixed(1)} on ${os.availableParallelism()} cores at the end of the search): times are noisy and a speed-up needs free cores.`,
    );
    for (const divisor of quick ? [16] : [8, 16, 32]) {
      const budget = Math.floor(fp32 / divisor);
      log(`budget 1/${divisor}: ${budget} B`);
      const auto = await autoCompress(
        model,
        { train, test, budget: { bytes: budget }, epochs, workers: 2, calibrationSamples, sparsities: SPARSITIES, bits: BITS, rounds: 3 },
        { search },
      );
      const chosen = auto.report.rounds.find((r) => r.round === auto.report.chosenRound)!;
      auto.model.dispose();
      // Best uniform: the fitting uniform settings, best pre-fine-tuning accuracy first; the first that still fits after fine-tuning.
      const order = search.uniformAccuracy.map((a, c) => [a, c] as const).sort((x, y) => y[0] - x[0]);
      let uniform: { label: string; before: number; bytes: number; accuracy: number } | undefined;
      for (const [before, c] of order) {
        const plan = Object.fromEntries(search.layers.map((l) => [l.name, choices[c]!]));
        const applied = buildPlanModel(model, plan).model;
        const fits = (await gzipOf(applied, plan)) <= budget;
        applied.dispose();
        if (!fits) continue;
        const tuned = await realizePlan(model, plan, train, { epochs, batchSize: 64, learningRate: 1e-3, seed: 0 });
        const m = await measureSaved(tuned, plan, test, 'gzip');
        tuned.dispose();
        m.model.dispose();
        if (m.bytes > budget) continue;
        uniform = { label: describeChoice(choices[c]!), before, bytes: m.bytes, accuracy: m.accuracy };
        break;
      }
      const planText = auto.report.layers.map((l) => `${l.name} ${describeChoice(l)}`).join('; ');
      const diff = uniform ? chosen.accuracy - uniform.accuracy : NaN;
      rows.push([
        `1/${divisor} (${budget.toLocaleString('en-US')} B)`,
        `${pct(chosen.accuracy)} (${chosen.bytes.toLocaleString('en-US')} B, round ${chosen.round}${chosen.met ? '' : ', MISSED'})`,
        planText,
        uniform ? `${pct(uniform.accuracy)} (${uniform.bytes.toLocaleString('en-US')} B, every layer ${uniform.label})` : 'none fits',
        uniform ? `${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(2)} pp` : '–',
        `${pct(Math.max(0, chosen.predictedAccuracy))} / ${pct(chosen.accuracyBeforeFineTune)}`,
      ]);
      figures.push({ name: `auto accuracy at 1/${divisor}`, value: chosen.accuracy, unit: 'fraction' });
      if (uniform) figures.push({ name: `uniform accuracy at 1/${divisor}`, value: uniform.accuracy, unit: 'fraction' });
    }
    disposeAll(model, train, test);
    notes.push(
      `original LeNet-5: ${fp32.toLocaleString('en-US')} gzip bytes; ${epochs} fine-tuning epoch(s) (Adam 1e-3, batch 64) for both auto and uniform${quick ? '; quick mode: 600 train/test digits, one budget' : ''}.`,
    );
    return result();
  },
};
