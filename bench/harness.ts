/**
 * Benchmark plumbing: each benchmark returns figures and a table; the runner
 * writes bench/results/NAME.json and regenerates bench/README.md from every
 * results file. Figures that are timings come from repeated runs (median, min–max).
 */
import os from 'node:os';

export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** For repeated timings. */
  min?: number;
  max?: number;
  runs?: number;
  /** The raw times of repeated runs, when the figure is compared with another measured in the same run. */
  samples?: number[];
  /** The reference value beside it (PyTorch or plain tfjs on this machine), with its source. */
  reference?: number;
  referenceSource?: string;
}

export interface BenchResult {
  figures: Figure[];
  table: { columns: string[]; rows: (string | number)[][] };
  notes?: string[];
}

export interface BenchContext {
  /** Short mode for CI: fewer repeats and smaller workloads, so the benchmarks cannot rot. */
  quick: boolean;
  log: (line: string) => void;
}

export interface Benchmark {
  name: string;
  title: string;
  description: string;
  run: (ctx: BenchContext) => Promise<BenchResult>;
}

/** Runs `fn` `runs` times (after `warmup` untimed runs) and returns median/min/max milliseconds. */
export async function timeIt(
  fn: () => unknown | Promise<unknown>,
  runs: number,
  warmup = 1,
): Promise<{ median: number; min: number; max: number; runs: number }> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const mid = times.length >> 1;
  return { median: times.length % 2 ? times[mid]! : (times[mid - 1]! + times[mid]!) / 2, min: times[0]!, max: times.at(-1)!, runs };
}

export function machine() {
  return {
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    /** 1-minute load average when the run started: above the core count, other processes shared the CPU. */
    loadAverage: Number(os.loadavg()[0]!.toFixed(1)),
  };
}

export const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
/** Sample standard deviation (n − 1); 0 for one value. */
export const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
export const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
export const fmt = (v: number, digits = 3) => Number(v.toPrecision(digits)).toLocaleString('en-US');
export const range = (t: { median: number; min: number; max: number }, digits = 3) =>
  `${fmt(t.median, digits)} (${fmt(t.min, digits)}–${fmt(t.max, digits)})`;

/** A benchmark's result as it is measured: figures, rows under the table's columns, notes; `result()` returns it. */
export function benchTable<Row extends (string | number)[] = (string | number)[]>(columns: string[]) {
  const figures: Figure[] = [];
  const rows: Row[] = [];
  const notes: string[] = [];
  return {
    figures,
    rows,
    notes,
    /** The finished result; `more` notes come after the ones pushed while measuring. */
    result: (...more: string[]): BenchResult => ({ figures, table: { columns, rows }, notes: [...notes, ...more] }),
  };
}

/** Disposes models and datasets at the end of a benchmark section. */
export function disposeAll(...things: { dispose(): void }[]): void {
  for (const t of things) t.dispose();
}
