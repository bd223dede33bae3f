/**
 * Property-based and fuzz tests (issue 22), seeded and bounded: each property
 * runs `runs × WHITTLE_FUZZ_SCALE` cases from seed WHITTLE_FUZZ_SEED (default
 * 22). A failure prints fast-check's shrunk counterexample and the seed and
 * path that reproduce it. `npm run bench -- reliability` runs 10× as many.
 */
import fc from 'fast-check';
import { beforeAll, describe, it } from 'vitest';
import { initBackend } from '@whittle/core';
import { budget } from './check.js';
import { OPERATIONS } from './operations.js';
import { OPTIONS } from './options.js';
import { FILES } from './files.js';

beforeAll(() => initBackend());

describe.each([
  ['operations × generated models', OPERATIONS],
  ['option fuzz', OPTIONS],
  ['file fuzz', FILES],
])('%s', (_, properties) => {
  for (const p of properties) {
    it(p.name, async () => {
      await fc.assert(p.property, { ...budget(p.runs), verbose: 1 });
    });
  }
});
