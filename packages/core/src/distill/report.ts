/** The `distillation` report: per-epoch loss terms, and the student beside its teacher. */
import type * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Dataset } from '../data/dataset.js';
import { evaluate, predictClasses } from '../analysis/evaluate.js';
import { saveModel } from '../io/save.js';
import type { DistillationReport } from '@whittle/report';

/** One epoch's row of the report. */
export type DistillationEpoch = DistillationReport['epochs'][number];
type DistilledModel = DistillationReport['student'];

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
