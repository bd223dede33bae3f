/**
 * What test/kernel/stress.py must show, as a list of broken invariants (empty
 * when the kernel held up). Shared by stress.test.ts and `npm run bench -- reliability`.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StressResult {
  background: { statuses: string[]; alive: boolean };
  api_interrupt: { status: string; enames: string[]; progressed: boolean; stopped: boolean; leaked: number };
  sync_interrupt: { status: string; name: string; leaked: number };
  save_interrupt: { folders: number; whole: number; outcomes: { old: number; new: number }; leftovers: string[] };
  reassign: { status: string; enames: string[]; accuracy: number | null; batches: number; model_now: string; magic_trained_layers: number };
  api_fuzz: { calls: number; answered: number; enames: Record<string, number>; multiline: string[]; raw: string[]; alive: boolean };
}

export type Scenario = keyof StressResult;

/** Runs stress.py against the 'whittle-test' kernelspec on JUPYTER_PATH (env), saving under `workdir`. */
export function runStress(env: NodeJS.ProcessEnv, workdir: string, seed: number, apiCalls: number): StressResult {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const script = join(root, 'test/kernel/stress.py');
  const r = spawnSync('/usr/bin/python3', [script, workdir, String(seed), String(apiCalls)], {
    cwd: root,
    env,
    encoding: 'utf8',
    timeout: 900_000,
  });
  if (r.status !== 0) throw new Error(`stress.py failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as StressResult;
}

/** Every broken invariant, prefixed by its scenario. */
export function stressFailures(out: StressResult): `${Scenario}: ${string}`[] {
  const f: `${Scenario}: ${string}`[] = [];
  const { background: bg, api_interrupt: api, sync_interrupt: sync, save_interrupt: save, reassign: re, api_fuzz: fuzz } = out;
  if (bg.statuses.join() !== 'ok,ok,ok' || !bg.alive)
    f.push(`background: a failure nobody awaited broke the kernel (${bg.statuses}, alive ${bg.alive})`);
  if (api.status !== 'error' || api.enames.join() !== 'KeyboardInterrupt')
    f.push(`api_interrupt: the cell ended ${api.status} ${api.enames}`);
  if (!api.progressed) f.push('api_interrupt: the fine-tune never ran, so the interrupt proved nothing');
  if (!api.stopped) f.push('api_interrupt: the abandoned fine-tune kept training');
  if (api.leaked !== 0) f.push(`api_interrupt: ${api.leaked} tensors leaked`);
  if (!/^dense_Dense\d+\/kernel$/.test(sync.name)) f.push(`sync_interrupt: a fresh layer's weight is named ${sync.name}`);
  if (sync.leaked !== 0) f.push(`sync_interrupt: ${sync.leaked} tensors leaked`);
  if (save.whole !== save.folders || save.folders === 0)
    f.push(`save_interrupt: ${save.folders - save.whole} of ${save.folders} folders not whole`);
  if (save.leftovers.length) f.push(`save_interrupt: temporary folders left: ${save.leftovers.join(', ')}`);
  if (re.status !== 'ok') f.push(`reassign: awaiting the fine-tune gave ${re.enames}`);
  // the pretrained LeNet-300-100 trained on: a broken copy would score near chance
  if (!(re.accuracy !== null && re.accuracy > 0.9)) f.push(`reassign: the fine-tuned copy scores ${re.accuracy}`);
  if (re.batches === 0) f.push('reassign: the fine-tune never ran');
  if (re.model_now !== 'lenet-5') f.push(`reassign: the variable holds ${re.model_now}, not the reassigned lenet-5`);
  // a queued reassignment runs after the magic, which trained the old model (3 dense layers, not LeNet-5's 8)
  if (re.magic_trained_layers !== 3) f.push(`reassign: the magic trained a model of ${re.magic_trained_layers} layers`);
  if (fuzz.answered !== fuzz.calls || !fuzz.alive) f.push(`api_fuzz: ${fuzz.calls - fuzz.answered} calls unanswered, alive ${fuzz.alive}`);
  for (const c of fuzz.multiline) f.push(`api_fuzz: a multi-line error for ${c}`);
  for (const c of fuzz.raw) f.push(`api_fuzz: not a WhittleError: ${c}`);
  return f;
}
