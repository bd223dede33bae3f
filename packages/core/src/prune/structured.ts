/**
 * Structured pruning: remove whole neurons / filters / channels and rebuild a
 * physically smaller model. Graph (what is coupled) → importance (score per
 * coupled group) → surgery (slice weights), each in its own module.
 */
import type * as tf from '@tensorflow/tfjs';
import { rng } from '../data/random.js';
import { fail } from '../errors.js';
import { unitNorms } from './criteria.js';
import { ChannelGraph } from './graph.js';
import type { Masks } from './masks.js';
import type { normalize } from './options.js';
import { sparsityReport, type PrunedKernel } from './report.js';
import { calibrationBatch, leastSquaresRefit, meanActivationShift } from './compensate.js';
import { rebuild } from './surgery.js';
import { matches } from './targets.js';
import type { PruneResult } from './prune.js';

type Normalized = ReturnType<typeof normalize>;

const PRODUCERS: Record<'neuron' | 'filter' | 'channel', string[]> = {
  neuron: ['Dense'],
  filter: ['Conv2D', 'Conv1D'],
  channel: ['Dense', 'Conv2D', 'Conv1D'],
};

/** Importance of one atom (a producer's output unit); groups sum their atoms. */
function atomScorer(graph: ChannelGraph, method: string, seed: number): (atom: number) => number {
  const norms = new Map<string, Float32Array>();
  const next = rng(seed);
  const random = new Map<number, number>();
  return (atom) => {
    const { producer, unit } = graph.atoms[atom]!;
    if (method === 'random') {
      if (!random.has(atom)) random.set(atom, next());
      return random.get(atom)!;
    }
    if (method === 'bn-scale') {
      const bn = graph.followersOf(atom).find((r) => r.layer.getClassName() === 'BatchNormalization');
      if (!bn) fail('prune', `method bn-scale needs a BatchNormalization after layer '${producer}'; use l1 or l2 for it`);
      const gamma = bn.layer.getWeights()[0]!.dataSync();
      return Math.abs(gamma[bn.outputs.indexOf(atom)]!);
    }
    if (!norms.has(producer)) {
      const layer = graph.roles.get(producer)!.layer;
      const [kernel, bias] = layer.getWeights();
      const n = unitNorms(kernel!.dataSync() as Float32Array, kernel!.shape, method as 'l1' | 'l2');
      if (bias) {
        const b = bias.dataSync();
        n.forEach((v, i) => (n[i] = method === 'l1' ? v + Math.abs(b[i]!) : Math.hypot(v, b[i]!)));
      }
      norms.set(producer, n);
    }
    return norms.get(producer)![unit]!;
  };
}

export interface StructuredPlan {
  graph: ChannelGraph;
  /** Atoms to remove. */
  removed: Set<number>;
  /** Removed output units per affected layer (producers and the layers that follow them). */
  removedUnits: Record<string, number[]>;
}

/** Chooses what to remove: per cluster of coupled producers, the lowest-scoring fraction of groups. */
export function planStructured(model: tf.LayersModel, o: Normalized): StructuredPlan {
  const graph = new ChannelGraph(model);
  const allowed = PRODUCERS[o.granularity as 'neuron' | 'filter' | 'channel'];
  const named = typeof o.sparsity === 'object' ? Object.keys(o.sparsity) : undefined;
  const isTarget = (producer: string) => {
    const role = graph.roles.get(producer)!;
    if (!allowed.includes(role.layer.getClassName())) return false;
    if (matches(producer, o.skip)) return false;
    return named ? matches(producer, named) : true;
  };
  if (named) {
    for (const pattern of named) {
      if (![...graph.roles.values()].some((r) => r.kind === 'producer' && matches(r.layer.name, [pattern]))) {
        fail('prune', `no prunable layer matches '${pattern}'`);
      }
    }
  }
  const clusters = new Map<string, number[][]>();
  for (const group of graph.groups()) {
    const atoms = group.map((a) => graph.atoms[a]!);
    if (atoms.some((a) => a.pinned) || !atoms.every((a) => isTarget(a.producer))) continue;
    const key = [...new Set(atoms.map((a) => a.producer))].sort().join(' + ');
    clusters.set(key, [...(clusters.get(key) ?? []), group]);
  }
  const score = atomScorer(graph, o.method, o.seed);
  const removed = new Set<number>();
  for (const [key, groups] of clusters) {
    const producers = key.split(' + ');
    const fraction =
      typeof o.sparsity === 'number'
        ? o.sparsity
        : Math.max(...producers.map((p) => Object.entries(o.sparsity as Record<string, number>).find(([g]) => matches(p, [g]))?.[1] ?? 0));
    const count = Math.round(fraction * groups.length);
    if (count >= groups.length) fail('prune', `sparsity ${fraction} would remove all ${groups.length} units of ${key}; keep at least one`);
    const ranked = groups.map((g) => ({ g, s: g.reduce((sum, a) => sum + score(a), 0) })).sort((a, b) => a.s - b.s);
    for (const { g } of ranked.slice(0, count)) for (const a of g) removed.add(a);
  }
  const removedUnits: Record<string, number[]> = {};
  for (const role of graph.roles.values()) {
    if (role.kind !== 'producer' && role.kind !== 'follower') continue;
    const units = role.outputs.flatMap((a, i) => (removed.has(a) ? [i] : []));
    if (units.length) removedUnits[role.layer.name] = units;
  }
  return { graph, removed, removedUnits };
}

export function pruneStructured(
  model: tf.LayersModel,
  o: Normalized,
): PruneResult & { removedUnits: Record<string, number[]>; groups: string[] } {
  const plan = planStructured(model, o);
  let smaller: tf.LayersModel;
  if (o.compensate === 'none') smaller = rebuild(plan.graph, plan.removed);
  else {
    const x = calibrationBatch(model, o.calibration!, o.calibrationSamples);
    smaller = rebuild(plan.graph, plan.removed, meanActivationShift(plan.graph, plan.removed, x));
    if (o.compensate === 'least-squares') leastSquaresRefit(plan.graph, plan.removed, smaller, x);
    x.dispose();
  }
  const kernels: PrunedKernel[] = [...plan.graph.roles.values()]
    .filter(
      (r) =>
        (r.kind === 'producer' && plan.removedUnits[r.layer.name] !== undefined) ||
        (r.kind === 'producer' && r.inputs.some((a) => plan.removed.has(a))),
    )
    .map((r) => {
      const before = r.layer.getWeights()[0]!;
      const after = smaller.getLayer(r.layer.name).getWeights()[0]!;
      return {
        layer: r.layer.name,
        before: { shape: before.shape, values: before.dataSync() as Float32Array, params: r.layer.countParams() },
        after: { shape: after.shape, values: after.dataSync() as Float32Array, params: smaller.getLayer(r.layer.name).countParams() },
        threshold: null,
        criterion:
          o.method === 'bn-scale'
            ? '|γ| of the following BatchNorm'
            : o.method === 'random'
              ? `random (seed ${o.seed})`
              : `${o.method} norm of each unit`,
      };
    });
  const report = sparsityReport({
    title: `structured ${o.method} pruning of ${model.name} (${o.granularity})`,
    method: o.method,
    granularity: o.granularity as string,
    scope: 'layer',
    physicallySmaller: true,
    before: model,
    after: smaller,
    kernels,
  });
  const masks: Masks = {};
  return { model: smaller, report, masks, removedUnits: plan.removedUnits, groups: plan.graph.describe() };
}
