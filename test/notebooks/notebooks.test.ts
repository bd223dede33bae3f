/**
 * Every tutorial in notebooks/ runs top to bottom with the Whittle kernel under
 * nbconvert, with no error output, in under 3 minutes. Cells that state a
 * result assert it in code, so a notebook whose story stops being true fails here.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const notebooks = join(root, 'notebooks');
const names = readdirSync(notebooks)
  .filter((f) => f.endsWith('.ipynb'))
  .sort();
let prefix: string;
let env: NodeJS.ProcessEnv;

beforeAll(() => {
  prefix = mkdtempSync(join(tmpdir(), 'whittle-notebooks-'));
  execFileSync(process.execPath, [join(root, 'packages/kernel/bin/whittle-kernel.js'), 'install', '--prefix', prefix, '--name', 'whittle']);
  env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') };
});
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

interface Output {
  output_type: string;
  ename?: string;
  evalue?: string;
}

describe('tutorial notebooks', () => {
  it('notebooks/README.md indexes exactly the notebooks in the folder', () => {
    const linked = [...readFileSync(join(notebooks, 'README.md'), 'utf8').matchAll(/\(([\w-]+\.ipynb)\)/g)].map((m) => m[1]);
    expect([...new Set(linked)].sort()).toEqual(names);
  });

  for (const name of names) {
    it(`${name} executes without errors`, () => {
      const out = join(prefix, name);
      const r = spawnSync('/usr/bin/jupyter', ['nbconvert', '--to', 'notebook', '--execute', join(notebooks, name), '--output', out], {
        cwd: notebooks,
        env,
        encoding: 'utf8',
        timeout: 180_000, // a guard against a hung kernel, not a performance claim (timings belong to bench/)
      });
      expect(r.error?.message, 'nbconvert did not finish (killed by the guard timeout?)').toBeUndefined();
      expect(r.status, `${r.stderr.split('\n').slice(-25).join('\n')}`).toBe(0);
      const cells = (JSON.parse(readFileSync(out, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] }).cells;
      const errors = cells.flatMap((c) => c.outputs ?? []).filter((o) => o.output_type === 'error');
      expect(errors.map((e) => `${e.ename}: ${e.evalue}`)).toEqual([]);
      // every code cell produced something a reader can see
      const code = cells.filter((c) => c.cell_type === 'code');
      expect(code.filter((c) => (c.outputs ?? []).length === 0)).toHaveLength(0);
    });
  }
});
