/**
 * Notebooks anywhere: a notebook in a temporary folder outside the repository
 * (no node_modules of its own) imports @whittle/core and @tensorflow/tfjs with
 * types, and runs; the kernel writes nothing into that folder.
 * Needs the built packages (`npm run build`) and Debian's Jupyter packages.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const launcher = join(root, 'packages/kernel/bin/whittle-kernel.js');
let scratch: string;

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'whittle-anywhere-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cell = (source: string) => ({ cell_type: 'code', id: `c${source.length}`, metadata: {}, source, outputs: [], execution_count: null });

describe('the Whittle kernel outside the repository', () => {
  it('whittle-kernel install: default name whittle, --prefix, and one location at a time', () => {
    const prefix = join(scratch, 'prefix');
    const out = execFileSync(process.execPath, [launcher, 'install', '--prefix', prefix], { encoding: 'utf8' });
    expect(out.trim()).toBe(`installed kernelspec in ${join(prefix, 'share', 'jupyter', 'kernels', 'whittle')}`);
    const spec = JSON.parse(readFileSync(join(prefix, 'share', 'jupyter', 'kernels', 'whittle', 'kernel.json'), 'utf8'));
    expect(spec.argv.slice(1)).toEqual([launcher, 'kernel', '--config-path', '{connection_file}']);
    const both = spawnSync(process.execPath, [launcher, 'install', '--sys-prefix', '--prefix', prefix], { encoding: 'utf8' });
    expect(both.status).toBe(1);
    expect(both.stderr.trim()).toBe('whittle-kernel: choose one of --user, --sys-prefix and --prefix, got --sys-prefix and --prefix');
  });

  it('a notebook in a temp folder imports @whittle/core and @tensorflow/tfjs (typed) and runs', () => {
    const folder = join(scratch, 'my-course', 'week1');
    mkdirSync(folder, { recursive: true });
    const notebook = {
      cells: [
        cell(
          "import * as w from '@whittle/core';\nimport * as tf from '@tensorflow/tfjs';\nconst model = w.lenet300100({ pretrained: true });",
        ),
        // typed: a wrong property is a compile error, so this line also proves the types resolved
        cell(
          'const params: number = w.summary(model).totals.params;\nif (params !== 266610) throw new Error(`params ${params}`);\nparams + tf.tensor([1, 2]).sum().dataSync()[0]!',
        ),
        cell('%summary model'),
      ],
      metadata: { kernelspec: { name: 'whittle', display_name: 'TypeScript (Whittle)', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    writeFileSync(join(folder, 'nb.ipynb'), JSON.stringify(notebook));
    const out = join(scratch, 'out.ipynb');
    const r = spawnSync('/usr/bin/jupyter', ['nbconvert', '--to', 'notebook', '--execute', 'nb.ipynb', '--output', out], {
      cwd: folder,
      env: { ...process.env, JUPYTER_PATH: join(scratch, 'prefix', 'share', 'jupyter'), PYTHONPATH: '' },
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(r.status, r.stderr.split('\n').slice(-20).join('\n')).toBe(0);
    const cells = (
      JSON.parse(readFileSync(out, 'utf8')) as { cells: { outputs: { output_type: string; data?: Record<string, unknown> }[] }[] }
    ).cells;
    expect(cells.flatMap((c) => c.outputs).filter((o) => o.output_type === 'error')).toEqual([]);
    expect(cells[1]!.outputs[0]!.data!['text/plain']).toEqual(['266613']);
    expect(cells[2]!.outputs.some((o) => o.data && 'application/vnd.whittle.report+json' in o.data)).toBe(true);
    expect(readdirSync(folder)).toEqual(['nb.ipynb']); // nothing written beside the notebook
  });
});
