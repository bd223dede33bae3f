/**
 * Picks the fastest tfjs backend that works here and says why.
 *
 * Order: `tensorflow` (@tensorflow/tfjs-node, an optional dependency whose
 * install downloads libtensorflow and often fails) → `wasm` (XNNPACK; plus the
 * training kernels it lacks, registered by Whittle) → `cpu` (pure JS, slow).
 * `WHITTLE_BACKEND=cpu|wasm|tensorflow` forces one.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmTrainingKernels } from './wasm-training-kernels.js';
import { fail } from '../errors.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

export interface BackendInfo {
  /** The active tfjs backend. */
  name: BackendName;
  /** Why this one was picked. */
  reason: string;
  /** Backends tried before it and why they were not used. */
  skipped: { name: BackendName; error: string }[];
  /** Kernels Whittle registered on this backend (wasm training kernels). */
  addedKernels: string[];
  /** wasm only: whether SIMD is on. */
  simd?: boolean;
}

const ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];
let active: Promise<BackendInfo> | undefined;

async function tryBackend(name: BackendName): Promise<string[]> {
  let added: string[] = [];
  if (name === 'tensorflow') {
    await import('@tensorflow/tfjs-node' as string);
  } else if (name === 'wasm') {
    await import('@tensorflow/tfjs-backend-wasm');
    added = registerWasmTrainingKernels();
  }
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
  return added;
}

async function pick(forced: string | undefined): Promise<BackendInfo> {
  if (forced !== undefined && !ORDER.includes(forced as BackendName)) {
    fail('WHITTLE_BACKEND', `must be one of ${ORDER.join(', ')}, got '${forced}'`);
  }
  const candidates = forced ? [forced as BackendName] : ORDER;
  const skipped: BackendInfo['skipped'] = [];
  for (const name of candidates) {
    try {
      const addedKernels = await tryBackend(name);
      const reason = forced
        ? `forced by WHITTLE_BACKEND=${forced}`
        : skipped.length === 0
          ? 'first choice'
          : `${skipped.map((s) => s.name).join(', ')} unavailable`;
      const info: BackendInfo = { name, reason, skipped, addedKernels };
      if (name === 'wasm') info.simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') as boolean;
      return info;
    } catch (err) {
      const error = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
      if (forced) fail('WHITTLE_BACKEND', `backend '${name}' failed to start: ${error}`);
      skipped.push({ name, error });
    }
  }
  return fail('initBackend', `no tfjs backend could start (${skipped.map((s) => `${s.name}: ${s.error}`).join('; ')})`);
}

/**
 * Starts the best available backend once and returns what was chosen; later
 * calls return the same answer. `force` (or WHITTLE_BACKEND) picks one backend.
 */
export function initBackend(force: string | undefined = process.env.WHITTLE_BACKEND || undefined): Promise<BackendInfo> {
  active ??= pick(force);
  return active;
}

/** What initBackend chose (awaits it if needed). */
export function backendInfo(): Promise<BackendInfo> {
  return initBackend();
}

export { registerWasmTrainingKernels } from './wasm-training-kernels.js';
export { useFastWasmKernels } from './wasm-overrides.js';
