/** Writes the kernelspec (kernels/NAME/kernel.json) without needing Python (except for --sys-prefix). */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface InstallOptions {
  /** Install into PREFIX/share/jupyter/kernels (like `jupyter kernelspec install --prefix`). */
  prefix?: string;
  /** Install for this user (~/.local/share/jupyter/kernels). Default when no prefix is given. */
  user?: boolean;
  /** Install into the prefix of the Python that runs `jupyter` (its sys.prefix), like `jupyter kernelspec install --sys-prefix`. */
  sysPrefix?: boolean;
  name?: string;
}

/**
 * sys.prefix of the Python that runs `jupyter` on PATH (read from its
 * shebang), else of `python3`.
 */
export function jupyterSysPrefix(): string {
  const jupyter = (process.env.PATH ?? '')
    .split(delimiter)
    .map((d) => join(d, 'jupyter'))
    .find((f) => existsSync(f));
  const shebang = jupyter ? /^#!\s*(\S+)(?:\s+(\S+))?/.exec(readFileSync(jupyter, 'utf8').split('\n')[0]!) : null;
  const python = shebang ? (shebang[1]!.endsWith('/env') ? shebang[2]! : shebang[1]!) : 'python3';
  try {
    return execFileSync(python, ['-c', 'import sys; print(sys.prefix)'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error(`--sys-prefix needs the Python that runs jupyter (tried '${python}'); use --prefix DIR instead`);
  }
}

export function install(options: InstallOptions = {}): string {
  const name = options.name ?? 'whittle';
  if (!/^[a-z0-9._-]+$/i.test(name)) throw new Error(`--name must use letters, digits, '.', '_' or '-', got '${name}'`);
  const chosen = [options.user && '--user', options.sysPrefix && '--sys-prefix', options.prefix !== undefined && '--prefix'].filter(
    Boolean,
  );
  if (chosen.length > 1) throw new Error(`choose one of --user, --sys-prefix and --prefix, got ${chosen.join(' and ')}`);
  const prefix = options.sysPrefix ? jupyterSysPrefix() : options.prefix;
  const root = prefix
    ? join(prefix, 'share', 'jupyter', 'kernels')
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
