import type { Command } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import { initBackend } from '../backend/index.js';
import { fail } from '../errors.js';
import { saveModel } from '../io/save.js';
import { distill } from '../distill/distill.js';
import { shrinkWidth } from '../distill/shrink.js';
import { addCommandFlags, type Flags } from './flags.js';
import { mnistFor, resolveLayersModel } from './resolve.js';
import { MODEL_HELP, saveAndPrint } from './command.js';
import { progressBar } from './progress.js';

type DistillFlags = Flags & { student?: string; width?: number; epochs: number; seed: number; out?: string; json?: boolean };

/** The student: `--student <model>` (trained from its weights), or `--width w`: the teacher with every hidden width × w, fresh. */
async function resolveStudent(flags: DistillFlags, teacher: tf.LayersModel): Promise<tf.LayersModel> {
  if ((flags.student === undefined) === (flags.width === undefined)) fail('whittle', 'give one of --student and --width');
  if (flags.width !== undefined) return shrinkWidth(teacher, flags.width, { seed: flags.seed });
  return resolveLayersModel(flags.student!, 'distill', 'distillation (the student trains)');
}

export function registerDistill(program: Command): void {
  const cmd = program
    .command('distill')
    .description('train a student from a teacher on MNIST (knowledge distillation: soft teacher outputs + labels)')
    .argument('<teacher>', MODEL_HELP)
    .option('--student <model>', `${MODEL_HELP}: the student, trained from its weights`);
  addCommandFlags(cmd, 'distill')
    .option('--out <dir>', 'save the student here (stock tfjs format)')
    .option('--json', 'print the report object')
    .action(async (spec: string, flags: DistillFlags) => {
      await initBackend();
      const teacher = await resolveLayersModel(spec, 'distill', 'distillation (the teacher)');
      const student = await resolveStudent(flags, teacher);
      const { train, test } = mnistFor(teacher);
      const bar = progressBar('distill');
      try {
        const { model, report } = await distill({
          teacher,
          student,
          data: train,
          validation: test,
          temperature: flags.temperature as number,
          alpha: flags.alpha as number,
          epochs: flags.epochs,
          seed: flags.seed,
          onProgress: bar.update,
        });
        bar.stop();
        await saveAndPrint(report, flags, (dir) => saveModel(model, dir));
      } finally {
        bar.stop();
        train.dispose();
        test.dispose();
      }
    });
}
