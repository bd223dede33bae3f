import {
  distill,
  evaluate,
  fineTune,
  lenet5,
  mnist,
  prune,
  quantizeAwareTrain,
  saveModel,
  shrinkWidth,
  slice,
  type Dataset,
} from '@whittle/core';
import type * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchTable, mean, pct, sd, type Benchmark } from './harness.js';

const pm = (v: number[]) => `${(mean(v) * 100).toFixed(2)} ± ${(sd(v) * 100).toFixed(2)} %`;
const pp = (d: number[]) => `${mean(d) >= 0 ? '+' : ''}${(mean(d) * 100).toFixed(2)} ± ${(sd(d) * 100).toFixed(2)} pp`;

/** Bytes of the stock-tfjs folder `saveModel` writes. */
async function bytesOf(model: tf.LayersModel): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-bench-'));
  try {
    return (await saveModel(model, join(dir, 'm'))).bytes;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Per-layer fraction that structured pruning must remove to leave the student's widths. */
function sparsityFor(teacher: tf.LayersModel, student: tf.LayersModel): Record<string, number> {
  const width = (m: tf.LayersModel, n: string) => (m.getLayer(n).outputShape as number[]).at(-1)!;
  return Object.fromEntries(['conv1', 'conv2', 'fc1', 'fc2'].map((n) => [n, 1 - width(student, n) / width(teacher, n)]));
}

export const distillationBench: Benchmark = {
  name: 'distillation',
  title: 'Knowledge distillation: LeNet-5 students, and compression fine-tuned with the teacher',
  description:
    'Teacher: the pretrained LeNet-5. Students: `shrinkWidth(lenet5, w)` (every hidden width × w, fresh weights), trained the same epochs on labels alone, distilled from the teacher (T = 4, α = 0.9), or cut from the teacher by structured L2 pruning to the same widths and fine-tuned on labels. Then LeNet-5 global 95 % magnitude pruning and 2-bit QAT, each fine-tuned with and without the teacher, and a temperature sweep. Adam 1e-3, batch 64, the 7,996-digit train split; accuracy on the 2,004-digit test split, mean ± sd over seeds (seed = the student’s initial weights and the shuffle order).',
  run: async ({ quick, log }) => {
    const { figures, rows, notes, result } = benchTable([
      'experiment',
      'how',
      'params',
      'bytes',
      'test accuracy (mean ± sd)',
      'paired gain',
    ]);
    const teacher = lenet5({ pretrained: true });
    const splits = mnist({ layout: 'image' });
    const test = splits.test;
    // quick: the first 2,000 digits of the shuffled train split (all classes); full: all of it
    const train: Dataset = quick ? slice(splits.train, 0, 2000) : splits.train;
    const seeds = quick ? [0] : [0, 1, 2];
    // sized for a shared 2-core machine (the full run should finish in ≲ 25 min): see the notes
    const epochs = quick ? 1 : 3;
    const tuneEpochs = 1;
    const widths = quick ? [0.5] : [0.5, 0.25];
    const temperatures = quick ? [1, 4] : [1, 2, 4, 8];
    const acc = (m: tf.LayersModel) => evaluate(m, test).accuracy;
    const teacherAcc = acc(teacher);
    const teacherBytes = await bytesOf(teacher);
    rows.push([
      'teacher',
      'LeNet-5, pretrained',
      teacher.countParams().toLocaleString('en-US'),
      teacherBytes.toLocaleString('en-US'),
      pct(teacherAcc),
      '',
    ]);
    const row = (what: string, how: string, params: number, bytes: number, accs: number[], vs = '') => {
      rows.push([what, how, params.toLocaleString('en-US'), bytes.toLocaleString('en-US'), pm(accs), vs]);
      figures.push({ name: `${what}: ${how} (mean)`, value: mean(accs), unit: 'fraction' });
      figures.push({ name: `${what}: ${how} (sd)`, value: sd(accs), unit: 'fraction' });
      log(`${what} | ${how} | ${pm(accs)} ${vs}`);
    };
    const verdict = (label: string, base: number[], better: number[]) => {
      const paired = better.map((b, i) => b - base[i]!);
      const gap = mean(better) - mean(base);
      const bar = Math.max(sd(base), sd(better));
      notes.push(
        `${label}: ${gap >= 0 ? '+' : ''}${(gap * 100).toFixed(2)} pp (paired by seed ${pp(paired)}); the larger sd is ${(bar * 100).toFixed(2)} pp, so it ${gap > bar ? 'beats' : 'does NOT beat'} labels alone by more than 1 sd${seeds.length < 2 ? ' (one seed: no sd)' : ''}.`,
      );
      return paired;
    };

    // 1. Students three ways, and (4th) the temperature sweep on the smallest student.
    const distilledAt = new Map<string, number[]>();
    for (const w of widths) {
      const ways = { labels: [] as number[], distilled: [] as number[], pruned: [] as number[] };
      let params = 0;
      let bytes = 0;
      for (const seed of seeds) {
        const student = shrinkWidth(teacher, w, { seed });
        if (seed === seeds[0]) [params, bytes] = [student.countParams(), await bytesOf(student)];
        const plain = (await fineTune(student, train, { epochs, seed })).model;
        ways.labels.push(acc(plain));
        const kd = (await distill({ teacher, student, data: train, epochs, seed, temperature: 4, alpha: 0.9 })).model;
        ways.distilled.push(acc(kd));
        const cut = prune(teacher, { granularity: 'channel', method: 'l2', sparsity: sparsityFor(teacher, student) }).model;
        if (cut.countParams() !== params) throw new Error(`pruned student has ${cut.countParams()} params, width ${w} has ${params}`);
        const tuned = (await fineTune(cut, train, { epochs, seed })).model;
        ways.pruned.push(acc(tuned));
        [student, plain, kd, cut, tuned].forEach((m) => m.dispose());
        log(
          `width ${w} seed ${seed}: labels ${pct(ways.labels.at(-1)!)}, distilled ${pct(ways.distilled.at(-1)!)}, pruned ${pct(ways.pruned.at(-1)!)}`,
        );
      }
      distilledAt.set(`${w}:4`, ways.distilled);
      const what = `student width ${w}`;
      const paired = verdict(`${what}, distilled vs labels alone`, ways.labels, ways.distilled);
      row(what, `labels alone, ${epochs} epochs`, params, bytes, ways.labels);
      row(what, `distilled (T 4, α 0.9), ${epochs} epochs`, params, bytes, ways.distilled, `${pp(paired)} vs labels`);
      row(
        what,
        `structured L2 pruning of the teacher + ${epochs} epochs on labels`,
        params,
        bytes,
        ways.pruned,
        `${pp(ways.pruned.map((a, i) => a - ways.labels[i]!))} vs labels`,
      );
    }

    // 2. Temperature sweep: the smallest student, distilled at each T.
    const w = widths.at(-1)!;
    for (const T of temperatures) {
      let accs = distilledAt.get(`${w}:${T}`);
      if (!accs) {
        accs = [];
        for (const seed of seeds) {
          const student = shrinkWidth(teacher, w, { seed });
          const kd = (await distill({ teacher, student, data: train, epochs, seed, temperature: T, alpha: 0.9 })).model;
          accs.push(acc(kd));
          log(`width ${w} T ${T} seed ${seed}: ${pct(accs.at(-1)!)}`);
          [student, kd].forEach((m) => m.dispose());
        }
      }
      const student = shrinkWidth(teacher, w);
      row(`temperature sweep, width ${w}`, `T = ${T}, α 0.9, ${epochs} epochs`, student.countParams(), await bytesOf(student), accs);
      student.dispose();
    }

    // 3. Compression fine-tuned with and without the teacher.
    const { model: sparse, masks } = prune(teacher, { sparsity: 0.95, scope: 'global' });
    const oneShot = acc(sparse);
    const cases: [string, (seed: number, withTeacher: boolean) => Promise<tf.LayersModel>][] = [
      [
        `LeNet-5 global 95 % pruning (one-shot ${pct(oneShot)}), ${tuneEpochs} fine-tune epochs`,
        async (seed, withTeacher) =>
          (await fineTune(sparse, train, { masks, epochs: tuneEpochs, seed, ...(withTeacher && { teacher }) })).model,
      ],
      [
        `LeNet-5 2-bit QAT (per-channel), ${tuneEpochs} epochs`,
        async (seed, withTeacher) =>
          (await quantizeAwareTrain(teacher, train, { bits: 2, epochs: tuneEpochs, seed, ...(withTeacher && { teacher }) })).model,
      ],
    ];
    for (const [what, run] of cases) {
      const alone: number[] = [];
      const taught: number[] = [];
      for (const seed of seeds) {
        for (const [withTeacher, into] of [
          [false, alone],
          [true, taught],
        ] as const) {
          const m = await run(seed, withTeacher);
          into.push(acc(m));
          m.dispose();
          log(`${what}, seed ${seed}, ${withTeacher ? 'with' : 'without'} teacher: ${pct(into.at(-1)!)}`);
        }
      }
      const paired = verdict(`${what}, with vs without the teacher`, alone, taught);
      row(what, 'labels alone', teacher.countParams(), teacherBytes, alone);
      row(what, 'with the teacher (T 4, α 0.9)', teacher.countParams(), teacherBytes, taught, `${pp(paired)} vs labels`);
    }
    sparse.dispose();
    if (quick) train.dispose();
    splits.train.dispose();
    test.dispose();
    notes.push(
      `Seeds: ${seeds.join(', ')}; students ${epochs} epochs, fine-tuning and QAT ${tuneEpochs} epoch${quick ? ' (quick mode: 2,000 training digits, one seed)' : ' — cut from the 5 and 2 first planned so that the run fits ≲ 25 min on a 2-core machine shared by ~9 sessions'}. Bytes: the saved float32 model folder (pruned masks are not encoded sparsely, so the 95 % model is as large as the teacher).`,
      'The machine was shared with other sessions while this ran; accuracies do not depend on that, the run time does.',
    );
    return result();
  },
};
