import type { Command } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { saveModel } from '../io/save.js';
import { distill } from '../distill/distill.js';
import { shrinkWidth } from '../distill/shrink.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { printReport } from './print.js';
import { progressBar } from './progress.js';

interface DistillFlags {
  teacher: string;
  student: string;
  temperature: number;
  alpha: number;
  epochs: number;
  seed: number;
  out?: string;
  json?: boolean;
}

const number = (v: string) => Number(v);

/** `--student`: a width factor in (0, 1] of the teacher (fresh weights), or a model. */
async function resolveStudent(spec: string, teacher: tf.LayersModel, seed: number): Promise<tf.LayersModel> {
  const factor = Number(spec);
  if (spec.trim() !== '' && Number.isFinite(factor)) return shrinkWidth(teacher, factor, { seed });
  return resolveLayersModel(spec, 'distill', 'distillation (the student trains)');
}

export function registerDistill(program: Command): void {
  program
    .command('distill')
    .description('train a student from a teacher on MNIST (knowledge distillation: soft teacher outputs + labels)')
    .requiredOption('--teacher <model>', 'model.json, its folder, or a reference model name (pretrained)')
    .requiredOption(
      '--student <model|factor>',
      'a model, or a width factor in (0, 1]: the teacher with every hidden width scaled, untrained',
    )
    .option('--temperature <T>', 'softmax temperature of the soft term, > 0', number, 4)
    .option('--alpha <a>', 'weight of the soft term in [0, 1]; 1 − α weighs the labels', number, 0.9)
    .option('--epochs <n>', 'passes over the 7,996-digit train split', number, 5)
    .option('--seed <n>', 'seed of the student’s fresh weights and of the shuffle', number, 0)
    .option('--out <dir>', 'save the student here (stock tfjs format)')
    .option('--json', 'print the report object')
    .action(async (flags: DistillFlags) => {
      if (!Number.isInteger(flags.epochs) || flags.epochs < 1) fail('whittle', `--epochs must be a whole number ≥ 1, got ${flags.epochs}`);
      await initBackend();
      const teacher = await resolveLayersModel(flags.teacher, 'distill', 'distillation (--teacher)');
      const student = await resolveStudent(flags.student, teacher, flags.seed);
      const { train, test } = mnistFor(teacher);
      const bar = progressBar('distill');
      try {
        const { model, report } = await distill({
          teacher,
          student,
          data: train,
          validation: test,
          temperature: flags.temperature,
          alpha: flags.alpha,
          epochs: flags.epochs,
          seed: flags.seed,
          onProgress: bar.update,
        });
        bar.stop();
        if (flags.out) await saveModel(model, flags.out);
        printReport(report, flags.json);
        if (flags.out && !flags.json) console.log(`saved to ${flags.out}`);
      } finally {
        bar.stop();
        train.dispose();
        test.dispose();
      }
    });
}
