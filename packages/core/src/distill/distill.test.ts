import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { gather, type Dataset } from '../data/dataset.js';
import { mnist } from '../data/mnist.js';
import { evaluate } from '../analysis/evaluate.js';
import { buildLenet300100 } from '../models/architectures.js';
import { cloneModel } from '../models/clone.js';
import { lenet300100, lenet5, mobilenetMini } from '../models/reference.js';
import { fit } from '../train/fit.js';
import { prune } from '../prune/prune.js';
import { fineTune } from '../prune/finetune.js';
import { quantizeAwareTrain } from '../quantize/qat.js';
import { distill } from './distill.js';
import { logitsView } from './logits.js';
import { shrinkWidth } from './shrink.js';
import { teacherTerm } from './teacher.js';

/** The first `perClass` samples of every class (the split files are ordered by digit). */
function stratified(data: Dataset, perClass: number): Dataset {
  const rows: number[] = [];
  const taken = new Map<number, number>();
  data.labels.forEach((label, i) => {
    if ((taken.get(label) ?? 0) < perClass) {
      rows.push(i);
      taken.set(label, (taken.get(label) ?? 0) + 1);
    }
  });
  return gather(data, rows);
}

/** Sum and sum of squares of every weight: changes if any weight changes. */
const checksum = (m: tf.LayersModel) =>
  m.getWeights().map((w) => {
    const v = w.dataSync();
    return [v.reduce((a, b) => a + b, 0), v.reduce((a, b) => a + b * b, 0)];
  });

let flat: { train: Dataset; test: Dataset };
let image: { train: Dataset; test: Dataset };

beforeAll(async () => {
  await initBackend();
  const f = mnist({ layout: 'flat' });
  flat = { train: stratified(f.train, 60), test: stratified(f.test, 30) };
  f.train.dispose();
  f.test.dispose();
  const i = mnist({ layout: 'image' });
  image = { train: stratified(i.train, 60), test: stratified(i.test, 30) };
  i.train.dispose();
  i.test.dispose();
});
afterAll(() => [flat.train, flat.test, image.train, image.test].forEach((d) => d.dispose()));

describe('logitsView', () => {
  it('shares the weights and gives the pre-softmax output, for a fused Dense softmax and a Softmax layer', () => {
    const model = lenet300100({ pretrained: true });
    const x = tf.slice(flat.test.x, 0, 8);
    const view = logitsView('test', 'model', model);
    // independent: the same architecture with a linear classifier, given the same weights
    const linear = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [784], units: 300, activation: 'relu' }),
        tf.layers.dense({ units: 100, activation: 'relu' }),
        tf.layers.dense({ units: 10 }),
      ],
    });
    linear.setWeights(model.getWeights());
    const [z, ref] = [view.predict(x) as tf.Tensor, linear.predict(x) as tf.Tensor];
    expect(tf.max(tf.abs(z.sub(ref))).dataSync()[0]).toBeLessThan(1e-5);
    // a trailing Softmax layer: the view is the model up to it
    const withLayer = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 10 }), tf.layers.softmax()] });
    const zl = logitsView('test', 'model', withLayer).predict(x) as tf.Tensor;
    const direct = tf.matMul(x, withLayer.layers[0]!.getWeights()[0]!).add(withLayer.layers[0]!.getWeights()[1]!);
    expect(tf.max(tf.abs(zl.sub(direct))).dataSync()[0]).toBeLessThan(1e-5);
    // shared: changing the model's classifier changes the view
    model.getLayer('fc3').setWeights(
      model
        .getLayer('fc3')
        .getWeights()
        .map((w) => tf.zerosLike(w)),
    );
    expect(tf.max(tf.abs(view.predict(x) as tf.Tensor)).dataSync()[0]).toBe(0);
  });
});

describe('distill', () => {
  it('at α = 0 one step equals plain cross-entropy training (same seed, same weights after)', async () => {
    const teacher = lenet300100({ pretrained: true });
    const student = buildLenet300100(5);
    const plain = cloneModel(student);
    const one = { epochs: 1, batchSize: flat.train.size, seed: 3, recalibrateBatchNorm: 0 };
    await fit(plain, flat.train, { ...one, optimizer: tf.train.sgd(0.5) });
    const { model: kd0 } = await distill({ teacher, student, data: flat.train, alpha: 0, optimizer: tf.train.sgd(0.5), ...one });
    const { model: kd9 } = await distill({ teacher, student, data: flat.train, alpha: 0.9, optimizer: tf.train.sgd(0.5), ...one });
    const diff = (a: tf.LayersModel, b: tf.LayersModel) =>
      Math.max(...a.getWeights().map((w, i) => tf.max(tf.abs(w.sub(b.getWeights()[i]!))).dataSync()[0]!));
    const moved = diff(plain, student);
    expect(moved).toBeGreaterThan(1e-3);
    expect(diff(kd0, plain)).toBeLessThan(1e-5);
    expect(diff(kd9, plain)).toBeGreaterThan(moved / 100); // the teacher term does change the step
  });

  it('trains a width-0.25 student from a pretrained teacher: teacher and student inputs unchanged, no leaks, report filled', async () => {
    const teacher = lenet300100({ pretrained: true });
    const student = shrinkWidth(teacher, 0.25, { seed: 1 });
    const [teacherSum, studentSum] = [checksum(teacher), checksum(student)];
    const tensors = tf.memory().numTensors;
    const seen: number[] = [];
    const { model, report, history } = await distill({
      teacher,
      student,
      data: flat.train,
      validation: flat.test,
      epochs: 3,
      batchSize: 32,
      learningRate: 3e-3,
      temperature: 4,
      alpha: 0.9,
      onProgress: (p) => p.terms && seen.push(p.terms.epoch),
    });
    expect(tf.memory().numTensors - tensors).toBe(model.weights.length); // only the returned model's weights
    expect(checksum(teacher)).toEqual(teacherSum);
    expect(checksum(student)).toEqual(studentSum);
    expect(seen).toEqual([1, 2, 3]);
    expect(history.loss).toHaveLength(3);
    expect(report.epochs.map((e) => e.soft)).toEqual([...report.epochs.map((e) => e.soft)].sort((a, b) => b - a)); // soft loss falls
    // the reported loss is α·soft + (1 − α)·hard of the same steps
    for (const e of report.epochs) expect(e.loss).toBeCloseTo(0.9 * e.soft + 0.1 * e.hard, 4);
    expect(report.student.params).toBe(784 * 75 + 75 + 75 * 25 + 25 + 25 * 10 + 10);
    expect(report.student.params).toBe(model.countParams());
    expect(report.teacher.params).toBe(266610);
    expect(report.student.bytes).toBeLessThan(report.teacher.bytes / 3);
    expect(report.student.accuracy).toBe(evaluate(model, flat.test).accuracy);
    expect(report.student.accuracy!).toBeGreaterThan(0.6); // 600 digits, 3 epochs; chance is 0.1
    expect(report.agreement!).toBeGreaterThan(0.6);
    model.dispose();
  });

  it('stops when onProgress throws (a kernel interrupt), releasing every tensor it made', async () => {
    const teacher = lenet300100({ pretrained: true });
    const student = shrinkWidth(teacher, 0.25);
    const tensors = tf.memory().numTensors;
    const stop = distill({
      teacher,
      student,
      data: flat.train,
      epochs: 3,
      onProgress: (p) => {
        if (p.batch >= 5) throw new Error('interrupted');
      },
    });
    await expect(stop).rejects.toThrow('interrupted');
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('rejects bad pairs and settings with one-line errors naming both models', async () => {
    const t = lenet300100();
    const data = flat.train;
    const fiveClasses = tf.sequential({ name: 'five', layers: [tf.layers.dense({ inputShape: [784], units: 5, activation: 'softmax' })] });
    const regressor = tf.sequential({ name: 'reg', layers: [tf.layers.dense({ inputShape: [784], units: 10 })] });
    const cases: [Parameters<typeof distill>[0], string][] = [
      [{ teacher: t, student: fiveClasses, data }, "distill: teacher 'lenet-300-100' outputs 10 classes but student 'five' outputs 5"],
      [{ teacher: lenet5(), student: t, data }, "distill: teacher 'lenet-5' takes input [28×28×1] but student 'lenet-300-100' takes [784]"],
      [{ teacher: t, student: t, data, temperature: 0 }, 'distill: temperature must be a number > 0, got 0'],
      [{ teacher: t, student: t, data, temperature: -1 }, 'distill: temperature must be a number > 0, got -1'],
      [{ teacher: t, student: t, data, alpha: 1.5 }, 'distill: alpha must be in [0, 1], got 1.5'],
      [{ teacher: t, student: t, data, alpha: -0.1 }, 'distill: alpha must be in [0, 1], got -0.1'],
      [{ teacher: regressor, student: t, data }, "distill: teacher 'reg' is not a classifier: its output layer"],
      [{ teacher: t, student: t, data, temprature: 2 } as never, "distill: unknown option 'temprature' (did you mean 'temperature'?)"],
      [{ teacher: t, data } as never, 'distill: student is required'],
    ];
    const tensors = tf.memory().numTensors;
    for (const [options, message] of cases) await expect(distill(options)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});

describe('teacherTerm', () => {
  it('runs the teacher in inference mode: its logits are predict()’s (BatchNorm moving statistics), its weights untouched', () => {
    const teacher = mobilenetMini({ pretrained: true });
    const student = shrinkWidth(teacher, 0.5);
    const sum = checksum(teacher);
    const data = gather(
      image.test,
      Array.from({ length: 40 }, (_, i) => i * 7),
    );
    const term = teacherTerm('test', student, data, { teacher });
    const packed = term.data.y.slice([0, 10], [-1, 10]);
    const reference = logitsView('test', 'teacher', teacher).predict(data.x) as tf.Tensor;
    expect(tf.max(tf.abs(packed.sub(reference))).dataSync()[0]).toBeLessThan(1e-4);
    term.dispose();
    expect(checksum(teacher)).toEqual(sum);
    // in training mode BatchNorm would use the batch's statistics (and update its moving ones): other logits
    const copy = cloneModel(teacher);
    const training = logitsView('test', 'teacher', copy).apply(data.x, { training: true }) as tf.Tensor;
    expect(tf.max(tf.abs(training.sub(reference))).dataSync()[0]).toBeGreaterThan(1e-2);
    data.dispose();
  });
});

describe('compression with a teacher', () => {
  it('fineTune with a teacher keeps the masks and leaves teacher and input unchanged', async () => {
    const teacher = lenet5({ pretrained: true });
    const { model: pruned, masks } = prune(teacher, { sparsity: 0.9, scope: 'global' });
    const [teacherSum, prunedSum] = [checksum(teacher), checksum(pruned)];
    const tensors = tf.memory().numTensors;
    const { model } = await fineTune(pruned, image.train, { masks, teacher, temperature: 4, alpha: 0.7, epochs: 1 });
    expect(tf.memory().numTensors - tensors).toBe(model.weights.length);
    for (const m of Object.values(masks)) {
      const w = model.getLayer(m.layer).getWeights()[0]!.dataSync();
      m.values.forEach((keep, i) => keep === 0 && expect(Math.abs(w[i]!)).toBe(0));
    }
    expect(checksum(teacher)).toEqual(teacherSum);
    expect(checksum(pruned)).toEqual(prunedSum);
    expect(evaluate(model, image.test).accuracy).toBeGreaterThan(0.8);
    await expect(fineTune(pruned, image.train, { teacher, alpha: 2 })).rejects.toThrow('fineTune: alpha must be in [0, 1], got 2');
    model.dispose();
  });

  it('quantizeAwareTrain with a teacher ends on the 2-bit grid and leaves the teacher unchanged', async () => {
    const teacher = lenet5({ pretrained: true });
    const sum = checksum(teacher);
    const tensors = tf.memory().numTensors;
    const { model } = await quantizeAwareTrain(teacher, image.train, { bits: 2, epochs: 1, teacher });
    expect(tf.memory().numTensors - tensors).toBe(model.weights.length);
    for (const name of ['conv2', 'fc1']) {
      const k = model.getLayer(name).getWeights()[0]!;
      // per output channel at most 3 distinct values (−s, 0, s)
      const v = k.dataSync();
      const channels = k.shape.at(-1)!;
      for (let c = 0; c < channels; c++) {
        const values = new Set<number>();
        for (let i = c; i < v.length; i += channels) values.add(v[i]!);
        expect(values.size).toBeLessThanOrEqual(3);
      }
    }
    expect(checksum(teacher)).toEqual(sum);
    expect(evaluate(model, image.test).accuracy).toBeGreaterThan(0.8);
    model.dispose();
  });
});
