import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { evaluate } from '../analysis/evaluate.js';
import { spam } from '../data/spam.js';
import { pretrainedDir } from './reference.js';
import { SPAM_MLP, spamMlp } from './spam-mlp.js';

beforeAll(() => initBackend());

describe('spam-mlp', () => {
  it('pretrained reaches ≥ 98 % on the spam test split, as its training record says', () => {
    const model = spamMlp({ pretrained: true });
    expect(model.countParams()).toBe(1000 * 32 + 32 + 32 * 2 + 2);
    const { train, test } = spam({ words: SPAM_MLP.words });
    const { accuracy } = evaluate(model, test);
    expect(accuracy).toBeGreaterThanOrEqual(0.98);
    const record = JSON.parse(readFileSync(`${pretrainedDir('spam-mlp')}training.json`, 'utf8')) as { testAccuracy: number };
    expect(accuracy).toBeCloseTo(record.testAccuracy, 3);
    train.dispose();
    test.dispose();
    model.dispose();
  });
});
