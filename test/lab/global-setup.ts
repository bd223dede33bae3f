/**
 * Once per run: build the test JupyterLab if it is not (test/lab/setup.sh), and
 * execute reports.ipynb — one report of every kind — with the real Whittle
 * kernel under nbconvert, into out/reports.ipynb. Both browser tests show
 * those saved outputs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const executedNotebook = join(here, 'out', 'reports.ipynb');

export default function setup(): void {
  const prefix = join(here, 'build', 'jupyter-prefix');
  // Build the test JupyterLab on first use, so `npm test` works on a fresh clone (.ci/run builds it as a step of its own).
  if (!existsSync(join(here, 'build', 'bundle.js')) || !existsSync(prefix)) {
    execFileSync('bash', [join(here, 'setup.sh')], { stdio: 'inherit' });
  }
  const source = join(here, 'reports.ipynb');
  if (existsSync(executedNotebook) && statSync(executedNotebook).mtimeMs > statSync(source).mtimeMs) return;
  mkdirSync(join(here, 'out'), { recursive: true });
  execFileSync(
    '/usr/bin/jupyter',
    ['nbconvert', '--to', 'notebook', '--execute', source, '--output', executedNotebook, '--ExecutePreprocessor.timeout=300'],
    { env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), PYTHONPATH: '' }, stdio: 'pipe' },
  );
}
