/**
 * A teacher as a training term. The teacher is fixed and runs in inference
 * mode (BatchNorm moving statistics, no dropout), so its logits on the training
 * set are computed once and carried next to the labels: the training set seen
 * by the loop has y = [one-hot | teacher logits]. The student trains through a
 * logits view that shares its weights. Used by distill, fineTune and
 * quantizeAwareTrain.
 */
import * as tf from '@tensorflow/tfjs';
import { makeDataset, type Dataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { checkModel } from '../models/check.js';
import { classifierHead, logitsView, predictLogits } from './logits.js';
import { distillationTerms } from './loss.js';

export interface TeacherOptions {
  /** The model to learn from; never changed. Must be a classifier ending in softmax, like the student. */
  teacher: tf.LayersModel;
  /** Softmax temperature T > 0 of both models in the soft term. Default 4. */
  temperature?: number;
  /** Weight α ∈ [0, 1] of the soft term; 1 − α weighs the label cross-entropy. Default 0.9. */
  alpha?: number;
}

export const DEFAULT_TEMPERATURE = 4;
export const DEFAULT_ALPHA = 0.9;

export function checkTemperature(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    fail(where, `temperature must be a number > 0, got ${String(value)}`);
  return value;
}

export function checkAlpha(where: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1)
    fail(where, `alpha must be in [0, 1], got ${String(value)}`);
  return value;
}

const dims = (shape: (number | null)[]) => `[${shape.slice(1).join('×')}]`;

/** One-line errors unless teacher and student take the same inputs and score the same classes. */
export function checkPair(where: string, teacher: tf.LayersModel, student: tf.LayersModel): number {
  checkModel(where, teacher, 'teacher');
  checkModel(where, student, 'student');
  if (teacher.inputs.length !== 1 || student.inputs.length !== 1) fail(where, 'teacher and student must each take one input');
  const [ti, si] = [dims(teacher.inputs[0]!.shape), dims(student.inputs[0]!.shape)];
  if (ti !== si) fail(where, `teacher '${teacher.name}' takes input ${ti} but student '${student.name}' takes ${si}`);
  const t = classifierHead(where, 'teacher', teacher);
  const s = classifierHead(where, 'student', student);
  if (t.classes !== s.classes)
    fail(where, `teacher '${teacher.name}' outputs ${t.classes} classes but student '${student.name}' outputs ${s.classes}`);
  return t.classes;
}

export interface TeacherTerm {
  /** The student's logits view (shares its weights): train this. */
  view: tf.LayersModel;
  /** The student's trainable variables. */
  variables: tf.Variable[];
  /** The training set with y = [one-hot | teacher logits]. */
  data: Dataset;
  /** The fit loss on that packed y. */
  loss: (y: tf.Tensor, zS: tf.Tensor) => tf.Scalar;
  /** Mean soft (T²·KL) and hard (CE) terms over the steps since the last call. */
  takeTerms(): { soft: number; hard: number };
  dispose(): void;
}

/** Sets up distillation of `student` (trained in place) from `options.teacher` on `data`. */
export function teacherTerm(where: string, student: tf.LayersModel, data: Dataset, options: TeacherOptions): TeacherTerm {
  const temperature = checkTemperature(where, options.temperature ?? DEFAULT_TEMPERATURE);
  const alpha = checkAlpha(where, options.alpha ?? DEFAULT_ALPHA);
  const classes = checkPair(where, options.teacher, student);
  if (data.y.shape[1] !== classes) fail(where, `data has ${data.y.shape[1]} classes but teacher and student output ${classes}`);
  const view = logitsView(where, 'student', student);
  const zT = predictLogits(logitsView(where, 'teacher', options.teacher), data.x);
  const packed = tf.concat([data.y, zT], 1) as tf.Tensor2D;
  zT.dispose();
  let pending: tf.Tensor[] = [];
  let samples = 0;
  return {
    view,
    variables: student.trainableWeights.map((w) => w.read() as tf.Variable),
    // x is shared with the caller's dataset: only the packed y is ours
    data: { ...makeDataset(data.x, packed, data.labels), dispose: () => packed.dispose() },
    loss: (y, zS) => {
      const terms = distillationTerms(y.slice([0, classes], [-1, classes]), zS, y.slice([0, 0], [-1, classes]), temperature, alpha);
      const n = y.shape[0]!;
      pending.push(tf.keep(tf.stack([terms.soft, terms.hard]).mul(n)));
      samples += n;
      return terms.loss;
    },
    takeTerms: () => {
      if (pending.length === 0) return { soft: NaN, hard: NaN };
      const sum = tf.addN(pending);
      const [soft, hard] = sum.dataSync();
      tf.dispose([sum, ...pending]);
      const result = { soft: soft! / samples, hard: hard! / samples };
      pending = [];
      samples = 0;
      return result;
    },
    dispose: () => {
      tf.dispose(pending);
      pending = [];
      packed.dispose();
    },
  };
}
