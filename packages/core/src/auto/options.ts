/** Options of `autoCompress`, their defaults and checks (one-line errors naming the value). */
import { availableParallelism } from 'node:os';
import type { Dataset } from '../data/dataset.js';
import { checkFraction, checkIntInRange, fail } from '../errors.js';
import { checkOptions, closestName, optionKeys } from '../options.js';
import type { Choice, PlanFormat, SizeMeasure } from './choices.js';

/** What must hold after compression; give one or more. */
export interface Budget {
  /** Largest size, in bytes (counted as `size` says). */
  bytes?: number;
  /** Smallest compression ratio against the float32 model saved the same way (30 → ≤ 1/30 of its size). */
  ratio?: number;
  /** Largest median single-sample latency in ms (measured; weights decode to float32, so only fewer layers would help). */
  latencyMs?: number;
  /** Largest acceptable test-accuracy drop, as a fraction (0.005 = 0.5 pp). */
  maxAccuracyDrop?: number;
}

export const TECHNIQUES = ['prune', 'quantize', 'cluster', 'factorize'] as const;
export type AutoTechnique = (typeof TECHNIQUES)[number];

export interface AutoProgress {
  stage: 'measure' | 'search' | 'fine-tune' | 'verify';
  round: number;
  done: number;
  total: number;
  message: string;
}

export interface AutoOptions {
  train: Dataset;
  test: Dataset;
  budget: Budget;
  /** Default ['prune', 'quantize']. With 'cluster' the plan is saved (and its bytes counted) in the 'deep' format. */
  techniques?: AutoTechnique[];
  /** Fine-tuning epochs after applying a plan (masks and per-layer QAT kept). Default 2. */
  epochs?: number;
  /** Threads for the search, this one included (N − 1 worker threads; 0 or 1 = this thread alone). Default: the core count. */
  workers?: number;
  /** Plan → fine-tune → verify rounds at most. Default 3. */
  rounds?: number;
  /** Sparsity levels (prune). Default 0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95. */
  sparsities?: number[];
  /** Bit widths (quantize; 32 = float). Default 32, 8, 6, 4, 3, 2. */
  bits?: number[];
  /** k-means centroids per layer codebook (cluster). Default 64, 32, 16, 8, 4. */
  clusters?: number[];
  /**
   * Ranks (factorize) as fractions of each layer's full rank min(in, out), in (0, 1); each is combined with every bit
   * width (factor kernels on that grid), unpruned. Default 0.5, 0.25, 0.125, 0.0625: rank r of an m×n kernel holds
   * r·(m+n) weights, so only fractions below about 1/2 can save bytes (a square kernel breaks even at exactly 1/2;
   * LeNet-300-100's 784×300 fc1 saves 31 % there), and halving steps halve the bytes, spaced like the bit levels.
   * A rank that saves no bytes against the unfactorized layer at the same bits is not offered for that layer;
   * only Dense and Conv2D (channelsLast) layers are factorized.
   */
  ranks?: number[];
  /** Samples of the training split the sensitivity is measured on (stratified). Default 1000. */
  calibrationSamples?: number;
  /** Size measure for the budget. Default 'gzip'. */
  size?: SizeMeasure;
  /** Fine-tuning batch size. Default 64. */
  batchSize?: number;
  /**
   * Fine-tuning Adam learning rate, or candidate rates to choose from on a validation slice of `train` (see
   * tune.ts: each candidate fine-tunes on the rest; the most accurate on the slice then fine-tunes on all of `train`).
   * Default 1e-3, 3e-4, 1e-4: a mild plan recovers best with small steps, a harsh one needs large ones. One rate:
   * no slice is held out.
   */
  learningRate?: number | number[];
  /** Share of `train` held out to choose the learning rate on, when several are given. Default 0.1. */
  validationFraction?: number;
  /** Data to choose the learning rate on instead of a slice of `train` (better: data the model was not trained on). */
  validation?: Dataset;
  seed?: number;
  /** Also measure uniform settings (every layer the same) for the report's Pareto plot. Default true. */
  baselines?: boolean;
  onProgress?: (p: AutoProgress) => void;
}

const AUTO_KEYS = optionKeys<AutoOptions>({
  train: true,
  test: true,
  budget: true,
  techniques: true,
  epochs: true,
  workers: true,
  rounds: true,
  sparsities: true,
  bits: true,
  clusters: true,
  ranks: true,
  calibrationSamples: true,
  size: true,
  batchSize: true,
  learningRate: true,
  validationFraction: true,
  validation: true,
  seed: true,
  baselines: true,
  onProgress: true,
});
const BUDGET_KEYS = optionKeys<Budget>({ bytes: true, ratio: true, latencyMs: true, maxAccuracyDrop: true });

export function checkTechniques(list: string[]): AutoTechnique[] {
  for (const t of list)
    if (!(TECHNIQUES as readonly string[]).includes(t))
      fail(
        'autoCompress',
        `unknown technique '${t}' (known: ${TECHNIQUES.join(', ')}${closestName(t, TECHNIQUES) ? `; did you mean '${closestName(t, TECHNIQUES)}'?` : ''})`,
      );
  if (list.length === 0) fail('autoCompress', `techniques must name at least one of ${TECHNIQUES.join(', ')}`);
  return list as AutoTechnique[];
}

/** Validated options with defaults; the per-layer choices are the product of the techniques' levels. */
export function normalizeAuto(options: AutoOptions) {
  checkOptions('autoCompress', options, AUTO_KEYS);
  const budget = options.budget ?? fail('autoCompress', 'budget is required: give bytes, ratio, latencyMs or maxAccuracyDrop');
  checkOptions('autoCompress', budget, BUDGET_KEYS, 'budget key');
  if (!BUDGET_KEYS.some((k) => budget[k as keyof Budget] !== undefined))
    fail('autoCompress', 'budget must give at least one of bytes, ratio, latencyMs, maxAccuracyDrop');
  for (const key of ['bytes', 'ratio', 'latencyMs'] as const) {
    const v = budget[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isFinite(v) && v > 0))
      fail('autoCompress', `budget.${key} must be a number > 0, got ${String(v)}`);
  }
  if (budget.maxAccuracyDrop !== undefined) checkFraction('autoCompress', 'budget.maxAccuracyDrop', budget.maxAccuracyDrop);
  const techniques = checkTechniques(options.techniques ?? ['prune', 'quantize']);
  const sparsities = techniques.includes('prune') ? (options.sparsities ?? [0, 0.25, 0.5, 0.7, 0.8, 0.9, 0.95]) : [0];
  const bits = techniques.includes('quantize') ? (options.bits ?? [32, 8, 6, 4, 3, 2]) : [32];
  for (const s of sparsities) checkFraction('autoCompress', 'sparsity level', s);
  for (const b of bits) if (b !== 32) checkIntInRange('autoCompress', 'bits level (32 = float)', b, 2, 8);
  const clusters = techniques.includes('cluster') ? (options.clusters ?? [64, 32, 16, 8, 4]) : [];
  for (const k of clusters) checkIntInRange('autoCompress', 'clusters level', k, 2, 256);
  const ranks = techniques.includes('factorize') ? (options.ranks ?? [0.5, 0.25, 0.125, 0.0625]) : [];
  if (!Array.isArray(ranks) || (techniques.includes('factorize') && ranks.length === 0))
    fail('autoCompress', `ranks must be a non-empty list of fractions in (0, 1), got ${JSON.stringify(ranks)}`);
  for (const r of ranks)
    if (!(typeof r === 'number' && r > 0 && r < 1))
      fail('autoCompress', `rank level must be a fraction of full rank in (0, 1), got ${String(r)}`);
  const choices: Choice[] = sparsities.flatMap((sparsity) => [
    ...bits.map((b) => ({ sparsity, bits: b })),
    ...clusters.map((k) => ({ sparsity, bits: 32, clusters: k })),
  ]);
  choices.push(...ranks.flatMap((rank) => bits.map((b) => ({ sparsity: 0, bits: b, rankFraction: rank }))));
  const format: PlanFormat = techniques.includes('cluster') ? 'deep' : 'packed';
  if (!choices.some((c) => c.sparsity === 0 && c.bits === 32)) choices.unshift({ sparsity: 0, bits: 32 });
  const size = options.size ?? 'gzip';
  if (size !== 'bytes' && size !== 'gzip') fail('autoCompress', `size must be 'bytes' or 'gzip', got '${String(size)}'`);
  const int = (name: string, v: number | undefined, dflt: number, min: number, max: number) =>
    checkIntInRange('autoCompress', name, v ?? dflt, min, max);
  return {
    budget,
    techniques,
    choices,
    format,
    size,
    epochs: int('epochs', options.epochs, 2, 0, 1000),
    workers: int('workers', options.workers, availableParallelism(), 0, 64),
    rounds: int('rounds', options.rounds, 3, 1, 20),
    calibrationSamples: int('calibrationSamples', options.calibrationSamples, 1000, 10, 1_000_000),
    batchSize: int('batchSize', options.batchSize, 64, 1, 100_000),
    learningRates: learningRates(options.learningRate),
    validationFraction: validationFraction(options.validationFraction),
    seed: options.seed ?? 0,
    baselines: options.baselines ?? true,
  };
}

export const DEFAULT_LEARNING_RATES = [1e-3, 3e-4, 1e-4];

function learningRates(given: number | number[] | undefined): number[] {
  const rates = given === undefined ? DEFAULT_LEARNING_RATES : typeof given === 'number' ? [given] : given;
  if (!Array.isArray(rates) || rates.length === 0)
    fail('autoCompress', `learningRate must be a number or a non-empty list of numbers, got ${JSON.stringify(given)}`);
  for (const r of rates)
    if (!(typeof r === 'number' && Number.isFinite(r) && r > 0 && r <= 1))
      fail('autoCompress', `learningRate must be in (0, 1], got ${String(r)}`);
  if (new Set(rates).size !== rates.length) fail('autoCompress', `learningRate lists a rate twice: ${rates.join(', ')}`);
  return rates;
}

function validationFraction(given: number | undefined): number {
  const f = given ?? 0.1;
  if (!(typeof f === 'number' && f > 0 && f <= 0.5)) fail('autoCompress', `validationFraction must be in (0, 0.5], got ${String(given)}`);
  return f;
}

/** '20kB' → 20000, '1.5MB' → 1500000, '300B' / '300' → 300 (decimal units, as file sizes are shown). */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|MB)?\s*$/.exec(text);
  if (!m) fail('budget', `size '${text}' must be a number with unit B, kB or MB (e.g. 20kB)`);
  const unit = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6 }[m[2] ?? 'B']!;
  return Math.round(Number(m[1]) * unit);
}

function positiveFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0) fail('whittle', `${flag} must be a number > 0, got '${text}'`);
  return v;
}

/** The budget the flags ask for: --max-drop is in percentage points. */
export function budgetFromFlags(flags: { budget?: string; ratio?: string; maxDrop?: string; latency?: string }): Budget {
  const budget: Budget = {};
  if (flags.budget !== undefined) budget.bytes = parseBytes(flags.budget);
  if (flags.ratio !== undefined) budget.ratio = positiveFlag('--ratio', flags.ratio);
  if (flags.maxDrop !== undefined) {
    const pp = Number(flags.maxDrop);
    if (!Number.isFinite(pp) || pp < 0 || pp >= 100)
      fail('whittle', `--max-drop must be percentage points in [0, 100), got '${flags.maxDrop}'`);
    budget.maxAccuracyDrop = pp / 100;
  }
  if (flags.latency !== undefined) budget.latencyMs = positiveFlag('--latency', flags.latency);
  if (Object.keys(budget).length === 0) fail('whittle', 'compress needs a budget: --budget <size>, --ratio <r> or --max-drop <pp>');
  return budget;
}
