import { describe, expect, it } from 'vitest';
import { plainText } from './plain.js';

describe('plain-text values', () => {
  it('prints an array of records as an aligned table with an index column, right-aligned like pandas', () => {
    const text = plainText([
      { layer: 'conv1', params: 156, sparsity: 0.8000000000000002 },
      { layer: 'dense_1', params: 48120, sparsity: 0.5 },
    ]);
    // written out by hand: column widths are the widest cell of each column
    expect(text).toBe(['     layer  params  sparsity', '0    conv1     156       0.8', '1  dense_1   48120       0.5'].join('\n'));
  });

  it('fills missing keys with blanks', () => {
    expect(plainText([{ a: 1 }, { b: 'x' }])).toBe(['   a  b', '0  1   ', '1     x'].join('\n'));
  });

  it('prints nested plain objects in full, not cut to [Object]', () => {
    const text = plainText({ a: { b: { c: { d: { e: 1 } } } } });
    expect(text).not.toContain('[Object]');
    expect(text).toContain('e: 1');
  });

  it('rounds floats to 6 significant digits and leaves integers and strings alone', () => {
    expect(plainText(0.1 + 0.2)).toBe('0.3');
    expect(plainText(1 / 3)).toBe('0.333333');
    expect(plainText(42)).toBe('42');
    expect(plainText(123456789)).toBe('123456789');
    expect(plainText('ab')).toBe("'ab'");
    expect(plainText({ accuracy: 0.9712000000000001 })).toBe('{ accuracy: 0.9712 }');
  });
});
