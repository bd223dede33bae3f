/**
 * Knowledge distillation (Hinton, Vinyals & Dean 2015): train a student on the
 * teacher's softened outputs as well as the labels. The student is copied and
 * the copy trained with the seeded loop (fit), so neither input model changes.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Dataset } from '../data/dataset.js';
import { fail } from '../errors.js';
import { cloneModel } from '../models/clone.js';
import { evaluate } from '../analysis/evaluate.js';
import { fit, type FitOptions, type FitResult, type TrainProgress } from '../train/fit.js';
import { DEFAULT_ALPHA, DEFAULT_TEMPERATURE, teacherTerm, type TeacherOptions } from './teacher.js';
import type { DistillationReport } from '@whittle/report';
import { distillationReport, type DistillationEpoch } from './report.js';
import { checkDistillOptions } from './options.js';

export interface DistillOptions extends TeacherOptions, Omit<FitOptions, 'loss' | 'variables' | 'afterStep' | 'onProgress'> {
  /** The model to train (copied; the copy is returned). Same input shape and classes as the teacher. */
  student: tf.LayersModel;
  /** Training samples: x and one-hot y. */
  data: Dataset;
  /** Held-out samples: the student's accuracy after every epoch, and the report's accuracy and agreement. */
  validation?: Dataset;
  /** Passes over `data`. Default 5. */
  epochs?: number;
  /** Training progress, and after each epoch its soft / hard loss (and accuracy with validation). Throwing stops training. */
  onProgress?: (p: TrainProgress & { terms?: DistillationEpoch }) => void;
}

export interface DistillResult {
  model: tf.LayersModel;
  report: DistillationReport;
  history: FitResult;
}

/** Trains a copy of `options.student` to match `options.teacher` (soft term) and the labels (hard term). */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  checkDistillOptions(options);
  const { teacher, student, data, validation, onProgress, temperature = DEFAULT_TEMPERATURE, alpha = DEFAULT_ALPHA, ...rest } = options;
  if (!data || typeof data !== 'object' || !('x' in data)) fail('distill', 'data must be a Dataset ({ x, y, labels, size })');
  const copy = cloneModel(student);
  let term: ReturnType<typeof teacherTerm> | undefined;
  try {
    term = teacherTerm('distill', copy, data, { teacher, temperature, alpha });
    const kd = term;
    const epochs: DistillationEpoch[] = [];
    const history = await fit(kd.view, kd.data, {
      ...rest,
      epochs: rest.epochs ?? 5,
      loss: kd.loss,
      variables: kd.variables,
      onProgress: (p) => {
        if (p.batch < p.batches) return onProgress?.(p);
        const terms = {
          epoch: p.epoch,
          ...kd.takeTerms(),
          loss: p.loss,
          accuracy: validation ? evaluate(copy, validation).accuracy : null,
        };
        epochs.push(terms);
        onProgress?.({ ...p, terms });
      },
    });
    const report = await distillationReport({ teacher, student: copy, temperature, alpha, epochs, validation });
    return { model: copy, report, history };
  } catch (err) {
    copy.dispose();
    throw err;
  } finally {
    term?.dispose();
  }
}
