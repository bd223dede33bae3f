import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { validateReport } from '@whittle/report';
import { weightHistogram } from './histogram.js';

function dense(kernel: number[]): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 2, name: 'fc' })] });
  model.layers[0]!.setWeights([tf.tensor2d(kernel, [2, 2]), tf.zeros([2])]);
  return model;
}

describe('weightHistogram', () => {
  it('bins every model on one shared range (hand-counted example)', () => {
    const before = dense([-1, -0.5, 0.5, 1]);
    const after = dense([0, 0, 0.5, 1]);
    const start = tf.memory().numTensors;
    const r = weightHistogram({ before, after }, { bins: 4 });
    expect(tf.memory().numTensors).toBe(start);
    // it only reads: the caller's weights are as they were
    expect(Array.from(before.getWeights()[0]!.dataSync())).toEqual([-1, -0.5, 0.5, 1]);
    expect(Array.from(after.getWeights()[0]!.dataSync())).toEqual([0, 0, 0.5, 1]);
    expect(validateReport(r).ok).toBe(true);
    // range [-1, 1] in 4 bins of 0.5: [-1,-.5) [-.5,0) [0,.5) [.5,1]
    expect(r.series[0]).toEqual({ label: 'before', binEdges: [-1, -0.5, 0, 0.5, 1], counts: [1, 1, 0, 2] });
    expect(r.series[1]).toEqual({ label: 'after', binEdges: [-1, -0.5, 0, 0.5, 1], counts: [0, 0, 2, 2] });
    // no scale unless asked: the viewer picks it from the counts
    expect(r.logY).toBeUndefined();
    expect(weightHistogram({ before }, { logY: true }).logY).toBe(true);
    // bias stays out: only kernels are counted
    expect(r.series[0]!.counts.reduce((a, b) => a + b)).toBe(4);
  });

  it('one-line errors for no models, bad bins and unknown layers', () => {
    expect(() => weightHistogram({})).toThrow(/weightHistogram: give at least one model/);
    expect(() => weightHistogram({ m: dense([1, 2, 3, 4]) }, { bins: 0 })).toThrow(/bins must be an integer/);
    expect(() => weightHistogram({ m: dense([1, 2, 3, 4]) }, { layers: ['conv9'] })).toThrow(/no prunable layer matches 'conv9'/);
  });
});
