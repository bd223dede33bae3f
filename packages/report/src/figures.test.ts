import { describe, expect, it } from 'vitest';
import { figures, plotlyText, validateReport, type Report } from './index.js';

const hist = { binEdges: [-1, 0, 1], counts: [3, 5] };

const sparsity: Report = {
  kind: 'sparsity',
  version: 1,
  title: 'prune <b>x</b>',
  method: 'magnitude',
  granularity: 'unstructured',
  scope: 'global',
  physicallySmaller: false,
  layers: [
    {
      name: '<img src=x onerror=alert(1)>',
      shapeBefore: [4, 2],
      shapeAfter: [4, 2],
      paramsBefore: 8,
      paramsAfter: 8,
      sparsityBefore: 0,
      nonzeros: 2,
      sparsity: 0.75,
      threshold: 0.1,
      criterion: '|w|',
    },
  ],
  totals: { paramsBefore: 8, paramsAfter: 8, nonzerosBefore: 8, nonzeros: 2, sparsity: 0.75 },
  masks: [{ layer: 'fc1', rows: 2, cols: 3, shape: [4, 3], values: [1, 0, 0.5, 0, 1, 1] }],
  histograms: { before: hist, after: { binEdges: [-1, 0, 1], counts: [1, 7] } },
  steps: [
    { step: 1, sparsity: 0.5, accuracy: 0.95, accuracyOneShot: 0.9 },
    { step: 2, sparsity: 0.9, accuracy: 0.94, accuracyOneShot: 0.6 },
  ],
};

describe('report → plotly figures', () => {
  it('sparsity: before/after bars in %, a heatmap per mask picture, histograms, steps', () => {
    expect(validateReport(sparsity).ok).toBe(true);
    const [bars, heat, histo, steps] = figures(sparsity);
    expect(bars!.data.map((t) => t.y)).toEqual([[0], [75]]);
    // a hostile layer name reaches plotly escaped, so plotly draws it as text
    expect(bars!.data[0]!.x).toEqual(['&lt;img src=x onerror=alert(1)&gt;']);
    expect(bars!.title).toBe('prune &lt;b&gt;x&lt;/b&gt;');
    expect(heat!.variants!.map((v) => v.label)).toEqual(['fc1']);
    expect(heat!.data[0]).toMatchObject({
      type: 'heatmap',
      z: [
        [1, 0, 0.5],
        [0, 1, 1],
      ],
      // cells at the units they average: 2 rows over 4 inputs, 3 columns over 3 outputs
      y: [1, 3],
      x: [0, 1, 2],
      // fractions kept are non-negative: a sequential scale over this layer's own range
      colorscale: 'Viridis',
      zmin: 0,
      zmax: 1,
    });
    expect(heat!.layout).toMatchObject({ xaxis: { title: 'output' }, yaxis: { title: 'input', autorange: 'reversed' } });
    expect(histo!.data.map((t) => t.x)).toEqual([
      [-0.5, 0.5],
      [-0.5, 0.5],
    ]);
    // 3 vs 5 and 1 vs 7: no bin dwarfs the rest, so the counts start linear, with a log toggle
    expect(histo!.layout).toMatchObject({ xaxis: { title: 'weight value' }, yaxis: { title: 'count', type: 'linear' } });
    expect(histo!.logToggle).toBe(true);
    expect(histo!.logAxis).toMatchObject({ type: 'log', tickvals: [1, 2, 5] });
    expect(steps!.data.map((t) => t.y)).toEqual([
      [90, 60],
      [95, 94],
    ]);
  });

  it('sensitivity: one line per layer plus baseline and the acceptable-drop line', () => {
    const r: Report = {
      kind: 'sensitivity',
      version: 1,
      title: 's',
      technique: 'prune',
      metric: 'accuracy',
      baseline: 0.97,
      levels: [0, 0.5, 0.9],
      layers: [
        { name: 'a', values: [0.97, 0.96, 0.5] },
        { name: 'b', values: [0.97, 0.97, 0.9] },
      ],
      maxDrop: 0.01,
    };
    const [f] = figures(r);
    expect(f!.data.map((t) => t.name)).toEqual(['a', 'b', 'baseline', 'acceptable drop']);
    expect(f!.data[0]!.x).toEqual([0, 50, 90]);
    expect(f!.data[3]!.y).toEqual([96, 96]);
  });

  it('pareto: all points with labels, and the front as a line sorted by bytes', () => {
    const r: Report = {
      kind: 'pareto',
      version: 1,
      title: 'p',
      points: [
        { label: 'fp32', bytes: 1000, accuracy: 0.97, onFront: true },
        { label: 'int8', bytes: 260, accuracy: 0.969, onFront: true },
        { label: 'bad', bytes: 300, accuracy: 0.9, onFront: false },
      ],
    };
    const [f] = figures(r);
    // the front: a line through its points in order of size, drawn under the labelled markers
    expect(f!.data[0]).toMatchObject({ mode: 'lines', x: [260, 1000], y: [96.9, 97] });
    expect(f!.data[1]).toMatchObject({ mode: 'markers+text', text: ['fp32', 'int8', 'bad'] });
    // round ticks on the log bytes axis: 260 … 1000 is within a decade → the 1-2-5 values 500 and 1000
    expect(f!.layout.xaxis).toMatchObject({ title: 'bytes', type: 'log', tickvals: [500, 1000], ticktext: ['500', '1k'] });
  });

  it('quantization: SQNR bars and MSE on a second axis; equalization before/after', () => {
    const layer = {
      name: 'fc1',
      bits: 8,
      scheme: 'symmetric',
      granularity: 'per-channel' as const,
      scaleMin: 0.01,
      scaleMax: 0.02,
      mse: 1e-6,
      sqnrDb: 48,
      maxError: 0.01,
      errorHistogram: hist,
      weightHistogram: { before: hist, after: hist },
    };
    const r: Report = {
      kind: 'quantization',
      version: 1,
      title: 'q',
      weights: { bits: 8, scheme: 'symmetric', perChannel: true, scale: 'float' },
      activations: null,
      layers: [layer],
      equalization: [{ name: 'fc1', sqnrDbBefore: 44, sqnrDbAfter: 47 }],
    };
    const fs = figures(r);
    expect(fs[0]!.data[0]!.y).toEqual([48]);
    expect(fs[0]!.data[1]!.yaxis).toBe('y2');
    expect(fs[1]!.data[0]!.y).toEqual([8]); // bits per layer
    expect(fs[2]!.data.map((t) => t.y)).toEqual([[44], [47]]);
    expect(fs).toHaveLength(5);
    expect(fs[3]!.layout).toMatchObject({ xaxis: { title: 'weight value' }, yaxis: { title: 'count' } });
    expect(fs[4]!.layout).toMatchObject({ xaxis: { title: 'error: quantized − float weight' } });
  });

  it('quantization: the weight and error histograms have a layer picker, like the sparsity view', () => {
    const layer = (name: string, counts: number[]) => ({
      name,
      bits: 4,
      scheme: 'affine',
      granularity: 'per-tensor' as const,
      scaleMin: 0.01,
      scaleMax: 0.01,
      mse: 1e-4,
      sqnrDb: 20,
      maxError: 0.01,
      errorHistogram: { binEdges: [-1, 0, 1], counts },
      weightHistogram: { before: { binEdges: [-1, 0, 1], counts }, after: { binEdges: [-1, 0, 1], counts } },
    });
    const fs = figures({
      kind: 'quantization',
      version: 1,
      title: 'q',
      weights: { bits: 4, scheme: 'affine', perChannel: false, scale: 'float' },
      activations: null,
      layers: [layer('conv1', [5, 6]), layer('dense', [2, 400])],
    });
    const [weights, errors] = fs.slice(2);
    expect(weights!.variants!.map((v) => [v.label, v.title])).toEqual([
      ['conv1', 'Weights of conv1: float and quantized'],
      ['dense', 'Weights of dense: float and quantized'],
    ]);
    expect(weights!.title).toBe('Weights of conv1: float and quantized');
    expect(weights!.variants![1]!.data[1]!.y).toEqual([2, 400]);
    expect(errors!.variants!.map((v) => v.label)).toEqual(['conv1', 'dense']);
    // dense's 400 vs 2 decides the shared scale: log, ticks up to its tallest bin
    expect(weights!.layout).toMatchObject({ yaxis: { type: 'log', tickvals: [1, 3, 10, 30, 100, 300] } });
  });

  it('summary and compare draw grouped bars; evaluate a correct/wrong bar', () => {
    const s: Report = {
      kind: 'summary',
      version: 1,
      model: 'm',
      layers: [{ name: 'd', type: 'Dense', outputShape: [null, 2], params: 10, nonzeros: 4, sparsity: 0.6, macs: 8, bytes: 40 }],
      totals: { params: 10, nonzeros: 4, sparsity: 0.6, macs: 8, bytes: 40 },
    };
    expect(figures(s)[0]!.data.map((t) => t.y)).toEqual([[10], [4]]);
    // counts on the bars; a nonzeros bar equal to its params bar stays unlabelled
    expect(figures(s)[0]!.data.map((t) => t.text)).toEqual([['10'], ['4']]);
    const dense = { ...s, layers: [{ ...s.layers[0]!, nonzeros: 10 }] };
    expect(figures(dense)[0]!.data.map((t) => t.text)).toEqual([['10'], ['']]);
    const [acc] = figures({ kind: 'evaluate', version: 1, model: 'm', accuracy: 0.9, loss: 0.3, samples: 10 });
    expect(acc!.data.map((t) => t.x)).toEqual([[90], [10]]);
  });

  it('histogram: one overlaid series per label at bin centres, log-y as asked, with a toggle; compare: a panel per quantity', () => {
    const [f] = figures({
      kind: 'histogram',
      version: 1,
      title: 'w',
      series: [
        { label: 'before', binEdges: [0, 2, 4], counts: [1, 2] },
        { label: 'after', binEdges: [0, 2, 4], counts: [3, 0] },
      ],
      logY: true,
    });
    expect(f!.data.map((t) => [t.name, t.x, t.y])).toEqual([
      ['before', [1, 3], [1, 2]],
      ['after', [1, 3], [3, 0]],
    ]);
    expect(f!.layout).toMatchObject({ barmode: 'overlay', yaxis: { type: 'log' } });
    expect(f!.logToggle).toBe(true);
    const side = { accuracy: 0.5, params: 2000, nonzeros: 1000, bytes: 4000, latencyMs: null };
    const [c] = figures({
      kind: 'compare',
      version: 1,
      title: 'c',
      a: { name: 'a', ...side },
      b: { name: 'b', ...side, nonzeros: 500 },
      agreement: 1,
      meanKl: 0,
      samples: 1,
    });
    // one panel per quantity (accuracy %, nonzeros, bytes), model a's three bars then model b's
    expect(c!.data.map((t) => t.y)).toEqual([[50], [1000], [4000], [50], [500], [4000]]);
  });

  it('escaping rule: no string from a report reaches plotly with a raw < or &', () => {
    const hostile = '<img src=x onerror=alert(1)> & co';
    const r: Report = {
      kind: 'sensitivity',
      version: 1,
      title: hostile,
      technique: 'prune',
      metric: hostile,
      baseline: 1,
      levels: [0, 0.5],
      layers: [{ name: hostile, values: [1, 0.5] }],
    };
    const strings: string[] = [];
    const walk = (v: unknown, key = ''): void => {
      if (typeof v === 'string' && key !== 'hovertemplate') strings.push(v);
      else if (Array.isArray(v)) v.forEach((x) => walk(x));
      else if (v && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(x, k));
    };
    walk(figures(r));
    expect(strings).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; co');
    for (const s of strings) expect(s).not.toMatch(/<|&(?!(amp|lt|gt);)/);
    expect(plotlyText('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });
});
