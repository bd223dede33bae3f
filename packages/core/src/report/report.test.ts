import { describe, expect, it } from 'vitest';
import * as report from '@whittle/report';
import * as viaCore from './index.js';
import * as core from '../index.js';

describe('@whittle/core/report', () => {
  it('re-exports @whittle/report unchanged, and so does @whittle/core', () => {
    for (const [name, value] of Object.entries(report)) {
      expect(viaCore[name as keyof typeof viaCore], name).toBe(value);
      expect(core[name as keyof typeof core], name).toBe(value);
    }
  });
});
