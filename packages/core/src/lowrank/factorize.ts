/**
 * `factorize(model, options) → { model, report }`: replace Dense and Conv2D
 * layers by two thinner ones whose product approximates the original kernel
 * (svd) or preserves the original outputs on calibration data (pca). The
 * result is physically smaller and does fewer multiply-adds; the input model
 * is unchanged.
 */
import type * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { layerMacs } from '../analysis/summary.js';
import { checkModel } from '../models/check.js';
import { matches, outputLayerNames } from '../prune/targets.js';
import { outputStats } from './calibrate.js';
import { cumulativeEnergy, pcaFactors, principalDirections, rankForEnergy, svdFactors, svdOf, type Factors } from './factors.js';
import { normalize, type Budget, type FactorizeOptions, type Normalized } from './options.js';
import type { LowrankLayer, LowrankReport } from '@whittle/report';
import { firstFactorName, splitLayers } from './split.js';

export interface FactorizeResult {
  model: tf.LayersModel;
  report: LowrankReport;
}

const FACTORIZABLE = ['Dense', 'Conv2D'];

/** The chosen layers: explicit names must be factorizable; globs and the default pick only factorizable ones. */
function chooseLayers(model: tf.LayersModel, patterns: string[] | undefined): tf.layers.Layer[] {
  const ok = (l: tf.layers.Layer) =>
    FACTORIZABLE.includes(l.getClassName()) && (l.getConfig() as { dataFormat?: string }).dataFormat !== 'channelsFirst';
  if (!patterns) {
    const outputs = outputLayerNames(model);
    return model.layers.filter((l) => ok(l) && !outputs.has(l.name));
  }
  for (const p of patterns) {
    const exact = model.layers.find((l) => l.name === p);
    if (exact && !ok(exact))
      fail('factorize', `layer '${p}' is a ${exact.getClassName()}; only Dense and Conv2D (channelsLast) can be factorized`);
    if (!model.layers.some((l) => ok(l) && matches(l.name, [p])))
      fail(
        'factorize',
        `no Dense or Conv2D layer matches '${p}'; candidates: ${model.layers
          .filter(ok)
          .map((l) => l.name)
          .join(', ')}`,
      );
  }
  return model.layers.filter((l) => ok(l) && matches(l.name, patterns));
}

/** r for one layer under the budget (energies: squared spectrum). */
function rankFor(budget: Budget, layer: string, energies: number[], rows: number, cols: number): number {
  if (budget.kind === 'rank') return typeof budget.value === 'number' ? budget.value : budget.value[layer]!;
  if (budget.kind === 'energy') return rankForEnergy(energies, budget.value);
  return Math.max(1, Math.floor((budget.value * rows * cols) / (rows + cols)));
}

export function factorize(model: tf.LayersModel, options: FactorizeOptions): FactorizeResult {
  checkModel('factorize', model);
  const o = normalize(options);
  const chosen = chooseLayers(model, o.layers);
  const stats =
    o.method === 'pca'
      ? outputStats(
          model,
          chosen.map((l) => l.name),
          o.calibration!,
          o.calibrationSamples,
        )
      : undefined;
  const factors = new Map<string, Factors>();
  const rows: Omit<LowrankLayer, 'paramsAfter' | 'macsAfter'>[] = chosen.map((layer, index) => {
    options.onProgress?.({ layer: layer.name, index, layers: chosen.length });
    const [kernel, bias] = layer.getWeights();
    const shape = kernel!.shape;
    const cols = shape.at(-1)!;
    const rowsOf = kernel!.size / cols;
    const maxRank = Math.min(rowsOf, cols);
    const w = kernel!.dataSync();
    const b = bias ? (bias.dataSync() as Float32Array) : null;
    const pca = stats ? principalDirections(stats.get(layer.name)!.cov, cols) : undefined;
    const spectrum = pca ? pca.variances.map((v) => Math.sqrt(Math.max(0, v))) : svdOf(w, rowsOf, cols).s;
    const squares = spectrum.slice(0, maxRank).map((s) => s * s);
    const rank = rankFor(o.budget, layer.name, squares, rowsOf, cols);
    if (o.budget.kind === 'rank' && rank >= maxRank) {
      if (o.layers?.includes(layer.name))
        fail('factorize', `rank=${rank} must be < min(in, out)=${maxRank} for layer '${layer.name}' (kernel [${shape.join('×')}])`);
    }
    const newBias = pca ? true : b !== null;
    const paramsBefore = layer.countParams();
    const paramsFactored = rank * (rowsOf + cols) + (newBias ? cols : 0);
    let reason: string | null = null;
    if (rank >= maxRank) reason = `rank ${rank} is not below min(in, out) = ${maxRank}`;
    else if (paramsFactored >= paramsBefore)
      reason = `factors would hold ${paramsFactored} params, not fewer than the layer's ${paramsBefore}`;
    if (!reason) {
      const f = pca ? pcaFactors(w, rowsOf, cols, rank, b, pca.m, stats!.get(layer.name)!.mean) : svdFactors(w, rowsOf, cols, rank, b);
      factors.set(layer.name, f);
    }
    return {
      name: layer.name,
      type: layer.getClassName(),
      shape,
      spectrum: spectrum.slice(0, maxRank),
      cumulativeEnergy: cumulativeEnergy(squares),
      rank,
      maxRank,
      factorized: !reason,
      reason,
      paramsBefore,
      macsBefore: layerMacs(layer),
    };
  });
  const result = splitLayers(model, factors);
  return { model: result, report: report(model, result, o, rows) };
}

function report(
  before: tf.LayersModel,
  after: tf.LayersModel,
  o: Normalized,
  rows: Omit<LowrankLayer, 'paramsAfter' | 'macsAfter'>[],
): LowrankReport {
  const pair = (name: string, factorized: boolean) =>
    factorized ? [after.getLayer(firstFactorName(name)), after.getLayer(name)] : [after.getLayer(name)];
  const layers = rows.map((r) => {
    const now = pair(r.name, r.factorized);
    return {
      ...r,
      paramsAfter: now.reduce((s, l) => s + l.countParams(), 0),
      macsAfter: now.reduce((s, l) => s + layerMacs(l), 0),
    };
  });
  const macs = (m: tf.LayersModel) => m.layers.reduce((s, l) => s + layerMacs(l), 0);
  const done = layers.filter((l) => l.factorized).length;
  const v = o.budget.value;
  const budget = `${o.budget.kind} ${
    typeof v === 'number'
      ? v
      : Object.entries(v)
          .map(([k, r]) => `${k}=${r}`)
          .join(', ')
  }`;
  return {
    kind: 'lowrank',
    version: 1,
    title: `${o.method} factorization of ${before.name} (${budget}): ${done} of ${layers.length} layers split`,
    model: before.name,
    method: o.method,
    budget,
    layers,
    totals: { paramsBefore: before.countParams(), paramsAfter: after.countParams(), macsBefore: macs(before), macsAfter: macs(after) },
  };
}
