/** Writes the kernelspec (kernels/NAME/kernel.json) without needing Python or jupyter on PATH. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface InstallOptions {
  /** Install into PREFIX/share/jupyter/kernels (like `jupyter kernelspec install --prefix`). */
  prefix?: string;
  /** Install for this user (~/.local/share/jupyter/kernels). Default when no prefix is given. */
  user?: boolean;
  name?: string;
}

export function install(options: InstallOptions = {}): string {
  const name = options.name ?? 'whittle';
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`--name must use letters, digits, '.', '_' or '-', got '${name}'`);
  const root = options.prefix
    ? join(options.prefix, 'share', 'jupyter', 'kernels')
    : join(process.env.JUPYTER_DATA_DIR ?? join(homedir(), '.local', 'share', 'jupyter'), 'kernels');
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const launcher = fileURLToPath(new URL('../bin/whittle-kernel.js', import.meta.url));
  const spec = {
    argv: [process.execPath, launcher, 'kernel', '--config-path', '{connection_file}'],
    display_name: 'TypeScript (Whittle)',
    language: 'typescript',
    interrupt_mode: 'signal',
    metadata: { whittle: true },
  };
  writeFileSync(join(dir, 'kernel.json'), JSON.stringify(spec, null, 2) + '\n');
  return dir;
}
