import { describe, expect, it } from 'vitest';
import { completeMagic } from './complete.js';

// duck-typed stand-ins: what the kernel's operand checks accept as a model and a dataset
const model = { predict: () => 0, layers: [] };
const data = { x: 0, y: 0, labels: 0 };
const locals = { ref: model, q8: model, train: data, test: data, n: 3 };
const matches = (line: string) => completeMagic(line, 0, locals)?.matches;

describe('magic completion from the declarations', () => {
  it('completes flags', () => {
    expect(matches('%prune ref --sp')).toEqual(['--sparsity']);
    expect(matches('%quantize ref --per')).toEqual(['--per-channel']);
    expect(matches('%prune ref --ca')).toEqual(['--calibration', '--calibration-samples']);
  });

  it('completes enumerated values', () => {
    expect(matches('%prune ref --method ')).toEqual(['bn-scale', 'l1', 'l2', 'magnitude', 'random']);
    expect(matches('%prune ref --scope g')).toEqual(['global']);
    expect(matches('%sensitivity ref --technique ')).toEqual(['prune', 'quantize']); // declared once in core, so it completes too
    expect(matches('%cluster ref --init k')).toEqual(['kmeans++']);
  });

  it('completes operands with notebook variables of the right type', () => {
    expect(matches('%prune ')).toEqual(['q8', 'ref']);
    expect(matches('%prune r')).toEqual(['ref']);
    expect(matches('%prune ref --fine-tune ')).toEqual(['test', 'train']);
    expect(matches('%evaluate ref --data t')).toEqual(['test', 'train']);
    expect(matches('%compare ref ')).toEqual(['q8', 'ref']);
    expect(matches('%distill ref --student ')).toEqual(['q8', 'ref']);
    // --as names a new variable: nothing to offer
    expect(matches('%prune ref --as ')).toEqual([]);
  });

  it('completes the magic inside %time and %timeit, with positions in the cell', () => {
    expect(completeMagic('%time %prune ref --sp', 0, locals)).toEqual({ matches: ['--sparsity'], start: 17, end: 21 });
    expect(matches('%timeit -n 2 -r 2 %evaluate ')).toEqual(['q8', 'ref']);
    expect(completeMagic('%prune ref --sp', 10, locals)).toEqual({ matches: ['--sparsity'], start: 21, end: 25 });
  });

  it('leaves anything else to TypeScript', () => {
    expect(completeMagic('const x = ', 0, locals)).toBeUndefined();
    expect(completeMagic('%nosuch a', 0, locals)).toBeUndefined();
    expect(completeMagic('%time Math.ma', 0, locals)).toBeUndefined();
  });
});
