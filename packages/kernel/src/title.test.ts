import { describe, expect, it } from 'vitest';
import type { Report } from '@whittle/report';
import { titled } from './cell.js';

const model = { name: 'lenet-5', predict: () => 0, layers: [] };
const report = { kind: 'quantization', version: 1, title: '8-bit quantization of lenet-5' } as unknown as Report;
const title = (r: Report) => (r as unknown as { title: string }).title;

describe('report titles name the notebook variables', () => {
  it('names the operand (a model variable) and the variable the result is bound to', () => {
    expect(title(titled(report, 'ref', { ref: model }, 'q8'))).toBe('q8 = ref: 8-bit quantization of lenet-5');
    expect(title(titled(report, 'ref', { ref: model }))).toBe('ref: 8-bit quantization of lenet-5');
  });
  it('leaves the title alone when the variable is the model name, and never changes the report passed in', () => {
    const own = { ...report, title: '8-bit quantization of m' } as Report;
    expect(title(titled(own, 'm', { m: { ...model, name: 'm' } }))).toBe('8-bit quantization of m');
    expect(title(titled(own, 'm', { m: { ...model, name: 'm' } }, 'q8'))).toBe('q8: 8-bit quantization of m');
    titled(report, 'ref', { ref: model }, 'q8');
    expect(title(report)).toBe('8-bit quantization of lenet-5');
  });
});
