/**
 * Notebooks anywhere: `import * as w from '@whittle/core'` and
 * `import * as tf from '@tensorflow/tfjs'` work in a notebook whose folder has
 * no node_modules of its own — the kernel's own installation serves them.
 *
 * Two resolvers need it, both set up before tslab starts:
 * - at run time tslab's code calls `require` from the notebook folder: the
 *   kernel's node_modules folders are appended to NODE_PATH, which Node
 *   consults only after the folder's own node_modules (so a folder's own
 *   install still wins);
 * - at type-check time tslab's TypeScript looks for `<folder>/node_modules/…`
 *   through `ts.sys`: paths there that do not exist are forwarded to the same
 *   path under the kernel's node_modules folders. tslab does exactly this for
 *   its own package (forwardTslabPath); this extends it to the packages the
 *   folder lacks. Nothing is written to the notebook's folder.
 */
import Module, { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join, sep } from 'node:path';

const require = createRequire(import.meta.url);

export const SERVED = ['@whittle/core', '@tensorflow/tfjs'];

interface Sys {
  fileExists(p: string): boolean;
  directoryExists(p: string): boolean;
  readFile(p: string, encoding?: string): string | undefined;
  readDirectory(p: string, ...rest: unknown[]): string[];
  realpath?(p: string): string;
  getModifiedTime?(p: string): Date | undefined;
}

/** Whether `pkg` resolves from `folder` by Node's own rules. */
export function resolvesFrom(folder: string, pkg: string): boolean {
  try {
    createRequire(join(folder, 'index.js')).resolve(pkg);
    return true;
  } catch {
    return false;
  }
}

/**
 * Serves the kernel's own copies of SERVED packages to notebooks in `folder`
 * when the folder cannot resolve them. Returns the node_modules folders used
 * (empty when the folder has its own).
 */
export function serveOwnPackages(folder: string): string[] {
  if (SERVED.every((p) => resolvesFrom(folder, p))) return [];
  // the node_modules folders Node searches from the kernel's own files, nearest first
  const all = (require.resolve.paths('@whittle/core') ?? []).filter((r) => existsSync(r));
  if (all.length === 0) return [];
  process.env.NODE_PATH = [...(process.env.NODE_PATH?.split(delimiter).filter(Boolean) ?? []), ...all].join(delimiter);
  (Module as unknown as { _initPaths(): void })._initPaths();

  const tslabDir = dirname(require.resolve('tslab/package.json'));
  // tslab compiles with its own TypeScript build (tslab 1.0.22: @tslab/typescript-for-tslab)
  const ts = require(require.resolve('@tslab/typescript-for-tslab', { paths: [tslabDir] })) as { sys: Sys };
  const sys = ts.sys;
  const original = {
    fileExists: sys.fileExists.bind(sys),
    directoryExists: sys.directoryExists.bind(sys),
    readFile: sys.readFile.bind(sys),
    readDirectory: sys.readDirectory.bind(sys),
    realpath: sys.realpath?.bind(sys),
    getModifiedTime: sys.getModifiedTime?.bind(sys),
  };
  const prefix = join(folder, 'node_modules') + sep;
  const forward = (p: string): string => {
    if (!p.startsWith(prefix) || original.fileExists(p) || original.directoryExists(p)) return p;
    const rest = p.slice(prefix.length);
    for (const root of all) {
      const q = join(root, rest);
      if (original.fileExists(q) || original.directoryExists(q)) return q;
    }
    return p;
  };
  sys.fileExists = (p) => original.fileExists(forward(p));
  sys.directoryExists = (p) => p + sep === prefix || original.directoryExists(forward(p)); // like tslab, a virtual <folder>/node_modules
  sys.readFile = (p, e) => original.readFile(forward(p), e);
  sys.readDirectory = (p, ...rest) => original.readDirectory(forward(p), ...rest);
  if (original.realpath) sys.realpath = (p) => original.realpath!(forward(p));
  if (original.getModifiedTime) sys.getModifiedTime = (p) => original.getModifiedTime!(forward(p));
  return all;
}
