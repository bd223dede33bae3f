/**
 * Runs the PyTorch side of a benchmark in the same session (bench/torch_speed.py,
 * a long-running worker), so Whittle's and PyTorch's runs can be interleaved on a
 * shared machine and compared as ratios. Needs /usr/bin/python3 with torch
 * (Debian python3-torch); otherwise `startTorch` says why it could not.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createInterface } from 'node:readline';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'torch_speed.py');

export interface Torch {
  /** e.g. "PyTorch 1.13.0a0, 1 thread". */
  label: string;
  /** Seconds for `batches` training steps of 64 (after one untimed warm-up step). */
  train(model: string, batches: number): Promise<number>;
  /** Milliseconds of each of `runs` predictions of the 2,004 test digits (after one warm-up). */
  infer(model: string, runs: number): Promise<number[]>;
  /** Milliseconds of each of `runs` float32 products [m,k]·[k,n] (after one warm-up). */
  matmul(m: number, k: number, n: number, runs: number): Promise<number[]>;
  close(): void;
}

export async function startTorch(): Promise<Torch | { error: string }> {
  let child: ChildProcessWithoutNullStreams;
  try {
    // PASSIVE: torch's OpenMP threads otherwise spin and fight on these 2-core machines (shared/PLATFORM.md)
    child = spawn(PYTHON, [SCRIPT], { env: { ...process.env, OMP_WAIT_POLICY: 'PASSIVE' } });
  } catch (err) {
    return { error: `${PYTHON} could not start: ${(err as Error).message}` };
  }
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<string>((resolve) => {
    child.on('error', (err) => resolve(err.message));
    child.on('exit', (code) => resolve(`exited with code ${code}: ${stderr.trim().split('\n').at(-1) ?? ''}`));
  });
  const ask = async (cmd: object): Promise<Record<string, unknown>> => {
    child.stdin.write(JSON.stringify(cmd) + '\n');
    const next = await Promise.race([lines.next(), exited.then((why) => ({ done: true, value: why }))]);
    if (next.done) throw new Error(`PyTorch worker ${next.value as string}`);
    const reply = JSON.parse(next.value as string) as Record<string, unknown>;
    if (reply.error) throw new Error(`PyTorch worker: ${reply.error as string}`);
    return reply;
  };
  try {
    const hello = await ask({ cmd: 'hello' });
    return {
      label: `PyTorch ${hello.torch as string}, ${hello.threads as number} thread${hello.threads === 1 ? '' : 's'}`,
      train: async (model, batches) => (await ask({ cmd: 'train', model, batches })).seconds as number,
      infer: async (model, runs) => (await ask({ cmd: 'infer', model, runs })).ms as number[],
      matmul: async (m, k, n, runs) => (await ask({ cmd: 'matmul', m, k, n, runs })).ms as number[],
      close: () => child.kill(),
    };
  } catch (err) {
    child.kill();
    return { error: `PyTorch is not available (${PYTHON} ${SCRIPT}): ${(err as Error).message}` };
  }
}

export const median = (values: number[]): number => {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
