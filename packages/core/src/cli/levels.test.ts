import { describe, expect, it } from 'vitest';
import { parseLevels } from './levels.js';

describe('parseLevels', () => {
  it('reads lists and inclusive ranges without float noise', () => {
    expect(parseLevels('0.5,0.8, 0.9')).toEqual([0.5, 0.8, 0.9]);
    expect(parseLevels('0.1:0.9:0.1')).toEqual([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    expect(parseLevels('8:2:-2')).toEqual([8, 6, 4, 2]);
    expect(parseLevels('0:0.95:0.05')).toHaveLength(20);
  });

  it('rejects malformed levels with one line naming the flag', () => {
    for (const bad of ['0.1:0.9', 'a,b', '0.9:0.1:0.1', '1:2:0']) {
      expect(() => parseLevels(bad)).toThrow(
        `whittle: --levels must be a list like 0.5,0.8 or a range start:stop:step like 0.1:0.9:0.1, got '${bad}'`,
      );
    }
  });
});
