/** The `distillation` report: per-epoch loss terms, and the student beside its teacher. */
import type * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { evaluate, predictClasses } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';

export interface DistillationEpoch {
  epoch: number;
  /** Mean T²·KL(teacher ‖ student) over the epoch's training steps. */
  soft: number;
  /** Mean cross-entropy with the labels over the epoch's training steps. */
  hard: number;
  /** Mean training loss α·soft + (1 − α)·hard. */
  loss: number;
  /** Student's accuracy on the validation set after the epoch, when one was given. */
  accuracy: number | null;
}

export interface DistilledModel {
  name: string;
  params: number;
  /** Bytes of the saved stock-tfjs folder (model.json + weights), and gzipped. */
  bytes: number;
  gzipBytes: number;
  /** On the validation set, when one was given. */
  accuracy: number | null;
}

export interface DistillationReport {
  kind: 'distillation';
  version: 1;
  title: string;
  temperature: number;
  alpha: number;
  teacher: DistilledModel;
  student: DistilledModel;
  /** Fraction of validation samples on which student and teacher predict the same class. */
  agreement: number | null;
  epochs: DistillationEpoch[];
}

async function side(model: tf.LayersModel, validation: Dataset | undefined): Promise<DistilledModel> {
  const dir = mkdtempSync(join(tmpdir(), 'whittle-distill-'));
  try {
    const saved = await saveModel(model, join(dir, 'm'));
    return {
      name: model.name,
      params: model.countParams(),
      bytes: saved.bytes,
      gzipBytes: saved.gzipBytes,
      accuracy: validation ? evaluate(model, validation).accuracy : null,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function distillationReport(o: {
  teacher: tf.LayersModel;
  student: tf.LayersModel;
  temperature: number;
  alpha: number;
  epochs: DistillationEpoch[];
  validation?: Dataset;
}): Promise<DistillationReport> {
  let agreement: number | null = null;
  if (o.validation) {
    const t = predictClasses(o.teacher, o.validation.x);
    const s = predictClasses(o.student, o.validation.x);
    agreement = t.reduce((n, c, i) => n + (c === s[i] ? 1 : 0), 0) / t.length;
  }
  const [teacher, student] = [await side(o.teacher, o.validation), await side(o.student, o.validation)];
  return {
    kind: 'distillation',
    version: 1,
    title: `distillation of ${o.teacher.name} into ${o.student.name} (T = ${o.temperature}, α = ${o.alpha})`,
    temperature: o.temperature,
    alpha: o.alpha,
    teacher,
    student,
    agreement,
    epochs: o.epochs,
  };
}
