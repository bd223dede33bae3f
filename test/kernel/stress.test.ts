/**
 * The Whittle kernel under stress (issue 22), driven by a real Jupyter client:
 * background failures, interrupts in the middle of API work and of saves, a
 * model reassigned while it trains, and random API calls with bad arguments.
 * Needs the built packages and Debian's Jupyter packages, like kernel.test.ts.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const here = fileURLToPath(new URL('.', import.meta.url));
let prefix: string;

interface Stress {
  background: { statuses: string[]; alive: boolean };
  api_interrupt: { status: string; enames: string[]; progressed: boolean; stopped: boolean; leaked: number };
  sync_interrupt: { status: string; name: string; leaked: number };
  save_interrupt: { folders: number; whole: number; outcomes: { old: number; new: number }; leftovers: string[] };
  reassign: { status: string; enames: string[]; accuracy: number | null; batches: number; model_now: string; magic_trained_layers: number };
  api_fuzz: { calls: number; answered: number; enames: Record<string, number>; multiline: string[]; alive: boolean };
}
let out: Stress;

beforeAll(() => {
  prefix = mkdtempSync(join(tmpdir(), 'whittle-stress-'));
  execFileSync(process.execPath, [
    join(root, 'packages/kernel/bin/whittle-kernel.js'),
    'install',
    '--prefix',
    prefix,
    '--name',
    'whittle-test',
  ]);
  const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), PYTHONPATH: '' };
  const work = mkdtempSync(join(prefix, 'saves-'));
  const r = spawnSync('/usr/bin/python3', [join(here, 'stress.py'), work, '22'], { cwd: root, env, encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) throw new Error(`stress.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Stress;
}, 660_000);
afterAll(() => rmSync(prefix, { recursive: true, force: true }));

describe('the Whittle kernel under stress', () => {
  it('survives failures nobody awaits: a rejected promise and a throwing timer', () => {
    expect(out.background.statuses).toEqual(['ok', 'ok', 'ok']);
    expect(out.background.alive).toBe(true);
  });

  it('an interrupt stops an awaited API fine-tune and the training behind it, leaking nothing', () => {
    expect(out.api_interrupt.status).toBe('error');
    expect(out.api_interrupt.enames).toEqual(['KeyboardInterrupt']);
    expect(out.api_interrupt.progressed).toBe(true); // it was training when interrupted
    expect(out.api_interrupt.stopped).toBe(true); // and no batch ran afterwards
    expect(out.api_interrupt.leaked).toBe(0);
  });

  it('an interrupt during synchronous tfjs work leaves tfjs whole: fresh weight names, no leaked tensors', () => {
    expect(out.sync_interrupt.name).toMatch(/^dense_Dense\d+\/kernel$/);
    expect(out.sync_interrupt.leaked).toBe(0);
  });

  it('saves interrupted at random moments leave every folder whole (old or new model), with no temporary folders', () => {
    expect(out.save_interrupt.folders).toBe(8);
    expect(out.save_interrupt.whole).toBe(8);
    expect(out.save_interrupt.leftovers).toEqual([]);
  });

  it('a model reassigned and disposed while its fine-tune runs: the fine-tune finishes on its own copy', () => {
    expect(out.reassign.status).toBe('ok');
    expect(out.reassign.accuracy).toBeGreaterThan(0.9); // the pretrained LeNet-300-100, trained on: not a broken copy
    expect(out.reassign.batches).toBeGreaterThan(0);
    expect(out.reassign.model_now).toBe('lenet-5');
    // a queued reassignment runs after the magic, which trained the old model (3 dense layers, not LeNet-5's 8)
    expect(out.reassign.magic_trained_layers).toBe(3);
  });

  it('answers every random API call with bad arguments, each error in one line, and stays alive', () => {
    expect(out.api_fuzz.answered).toBe(out.api_fuzz.calls);
    expect(out.api_fuzz.multiline).toEqual([]);
    expect(Object.keys(out.api_fuzz.enames).length).toBeGreaterThan(0);
    expect(out.api_fuzz.alive).toBe(true);
  });
});
