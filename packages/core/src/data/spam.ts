/**
 * The SpamAssassin public mail corpus as a bag of words, read by
 * @whittle/datasets: x[i][j] = 1 when message i contains word j (the `words`
 * most frequent in the train split), labels 0 = ham, 1 = spam. The split is
 * fixed (every fifth message of each label is test); see @whittle/datasets'
 * spam.ts for the tokenization and deduplication.
 */
import { fail } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';
import { datasetsPackage, toDatasets, type SubsetOptions } from './bundled.js';
import type { Dataset } from './dataset.js';

export interface SpamOptions extends SubsetOptions {
  /** How many words (the most frequent in train messages) become input features. Default 1000. */
  words?: number;
}

const SPAM_KEYS = optionKeys<SpamOptions>({ words: true, shuffle: true, limit: true });

/**
 * The spam corpus's fixed split as [n, words] tensors, with `featureNames` (the
 * words) and `classNames` (['ham', 'spam']). The caller owns the tensors.
 */
export function spam(options: SpamOptions = {}): { train: Dataset; test: Dataset } {
  checkOptions('spam', options, SPAM_KEYS);
  const { words, ...subset } = options;
  const pkg = datasetsPackage('spam');
  let data;
  try {
    data = pkg.spamArrays({ words });
  } catch (e) {
    // the package names the rule and the value; say it as core's one-line error
    if (e instanceof RangeError) fail('spam', e.message.replace(/^spamArrays: /, ''));
    throw e;
  }
  return toDatasets('spam', data, data.sampleShape, subset);
}
