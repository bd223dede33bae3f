/**
 * A Whittle kernelspec installed into a fresh temporary prefix, for tests and
 * benchmarks that drive the kernel through a real Jupyter client.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface TestKernel {
  /** The prefix holding share/jupyter/kernels/<name>; a scratch folder too. */
  prefix: string;
  /** process.env with JUPYTER_PATH pointing at the prefix (and no PYTHONPATH). */
  env: NodeJS.ProcessEnv;
  remove(): void;
}

export function installTestKernel(name = 'whittle-test'): TestKernel {
  const prefix = mkdtempSync(join(tmpdir(), 'whittle-kernelspec-'));
  execFileSync(process.execPath, [join(root, 'packages/kernel/bin/whittle-kernel.js'), 'install', '--prefix', prefix, '--name', name]);
  return {
    prefix,
    env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), PYTHONPATH: '' },
    remove: () => rmSync(prefix, { recursive: true, force: true }),
  };
}
