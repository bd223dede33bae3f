/** %distill: train a student from a teacher; flags from core's declarations, as the CLI's. */
import { distill, shrinkWidth } from '@whittle/core';
import { dataOperand, modelOperand } from './operands.js';
import { UsageError } from './registry.js';
import { compressionMagic, finish, testSet } from './common.js';

export const distillMagic = compressionMagic({
  name: 'distill',
  example: '%distill model --width 0.5 --epochs 3 --as student',
  summary: 'Train a student on a teacher’s softened outputs and the labels (knowledge distillation); never changes either model.',
  operand: ['<teacher>', 'notebook variable holding the teacher (a classifier ending in softmax)'],
  what: 'trained student',
  data: (cmd) =>
    cmd
      .option('--student <model>', 'notebook variable holding the student (copied, then trained)')
      .option('--data <train>', 'Dataset variable to train on (default: the train split)')
      .option('--test <test>', 'Dataset variable for accuracy and agreement (default: the test split)'),
  run: async (ctx, teacher, opts) => {
    if ((opts.student === undefined) === (opts.width === undefined)) throw new UsageError('give one of --student and --width');
    const seed = opts.seed as number;
    const student = opts.student ? modelOperand(ctx, String(opts.student)) : shrinkWidth(teacher, opts.width as number, { seed });
    const result = await distill({
      teacher,
      student,
      data: dataOperand(ctx, opts.data as string | undefined, teacher, 'train'),
      validation: testSet(ctx, teacher, opts.test as string | undefined) ?? dataOperand(ctx, undefined, teacher, 'test'),
      temperature: opts.temperature as number,
      alpha: opts.alpha as number,
      epochs: opts.epochs as number,
      seed,
      onProgress: (p) => {
        ctx.checkInterrupt();
        const done = p.terms ? `, accuracy ${p.terms.accuracy === null ? '–' : (100 * p.terms.accuracy).toFixed(2) + '%'}` : '';
        ctx.progress(`distilling: epoch ${p.epoch}/${p.epochs}, batch ${p.batch}/${p.batches}, loss ${p.loss.toFixed(4)}${done}`);
      },
    });
    if (!opts.student) student.dispose();
    return finish(ctx, opts, teacher, result);
  },
});
