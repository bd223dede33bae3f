/** %data: the one visible way the kernel knows the notebook's train and test sets. */
import { declaredData, isDataset } from './operands.js';
import { MagicTypeError, type Magic } from './registry.js';

export const dataMagic: Magic = {
  name: 'data',
  kind: 'line',
  group: 'analysis',
  summary:
    'Declare the notebook’s test (and train) Dataset: magics use them when no data flag is given, and every compression magic then reports accuracy before and after.',
  example: '%data --test test --train train',
  define: (cmd) =>
    cmd
      .option('--test <test>', 'Dataset variable for accuracy (default: the MNIST test split)')
      .option('--train <train>', 'Dataset variable for training and calibration (default: the MNIST train split)'),
  run: async (ctx, _args, opts) => {
    for (const split of ['test', 'train'] as const) {
      const name = opts[split] as string | undefined;
      if (name === undefined) continue;
      if (!isDataset(ctx.lookup(name)))
        throw new MagicTypeError(`'${name}' is not a Whittle Dataset ({ x, y, labels }); use mnist() to make one`);
      declaredData[split] = name;
    }
    const shown = (split: 'test' | 'train') => declaredData[split] ?? `MNIST ${split} split (default)`;
    return { text: `test: ${shown('test')}\ntrain: ${shown('train')}` };
  },
};
