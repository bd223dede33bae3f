/** %distill: train a student from a teacher. */
import { distill, shrinkWidth } from '@whittle/core';
import { dataOperand, modelOperand, numberOpt } from './operands.js';
import { UsageError, type Magic } from './registry.js';

export const distillMagic: Magic = {
  name: 'distill',
  kind: 'line',
  example: '%distill model --width 0.5 --epochs 3 --as student',
  group: 'compression',
  summary: 'Train a student on a teacher’s softened outputs and the labels (knowledge distillation); never changes either model.',
  define: (cmd) =>
    cmd
      .argument('<teacher>', 'notebook variable holding the teacher (a classifier ending in softmax)')
      .option('--student <model>', 'notebook variable holding the student (copied, then trained)')
      .option('--width <w>', 'or: a fresh student of the teacher’s architecture with every hidden width × w, in (0, 1]')
      .option('--data <train>', 'Dataset variable to train on (default: the MNIST train split)')
      .option('--test <test>', 'Dataset variable for accuracy and agreement (default: the MNIST test split)')
      .option('--temperature <T>', 'softmax temperature of the soft term, > 0', '4')
      .option('--alpha <a>', 'weight of the soft term in [0, 1]', '0.9')
      .option('--epochs <n>', 'passes over the training data', '5')
      .option('--seed <n>', 'seed of the fresh student and the shuffle', '0')
      .option('--as <name>', 'bind the trained student to this variable'),
  run: async (ctx, [name], opts) => {
    const teacher = modelOperand(ctx, name);
    if (Boolean(opts.student) === (opts.width !== undefined)) throw new UsageError('give one of --student and --width');
    const seed = numberOpt(opts, 'seed', '--seed') ?? 0;
    const student = opts.student
      ? modelOperand(ctx, String(opts.student))
      : shrinkWidth(teacher, numberOpt(opts, 'width', '--width')!, { seed });
    const { model, report } = await distill({
      teacher,
      student,
      data: dataOperand(ctx, opts.data ? String(opts.data) : undefined, teacher, 'train'),
      validation: dataOperand(ctx, opts.test ? String(opts.test) : undefined, teacher, 'test'),
      temperature: numberOpt(opts, 'temperature', '--temperature'),
      alpha: numberOpt(opts, 'alpha', '--alpha'),
      epochs: numberOpt(opts, 'epochs', '--epochs'),
      seed,
      onProgress: (p) => {
        ctx.checkInterrupt();
        const done = p.terms ? `, accuracy ${p.terms.accuracy === null ? '–' : (100 * p.terms.accuracy).toFixed(2) + '%'}` : '';
        ctx.progress(`distilling: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}${done}`);
      },
    });
    if (!opts.student) student.dispose();
    return { report, value: model, valueType: 'import("@tensorflow/tfjs").LayersModel' };
  },
};
