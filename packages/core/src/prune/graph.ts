/**
 * The channel-dependency graph: which output units of which layers must be
 * removed together, and which layers read or follow each unit.
 *
 * Every output unit of a "producer" (Dense, Conv2D) is an atom. Atoms flow
 * through the model: BatchNorm, depthwise convs and PReLU (one slope per unit)
 * pass them through and must be sliced with them; activations and pooling
 * pass them through; Flatten spreads channel c over
 * every position k with k mod C = c; Add/Multiply couple the atoms at the same
 * index of all inputs (union-find); Concatenate lists its inputs' atoms by
 * offset. A layer it cannot follow stops pruning with an error naming it.
 */
import type * as tf from '@tensorflow/tfjs';
import { fail } from '../errors.js';
import { outputLayerNames } from './targets.js';

export interface Atom {
  producer: string;
  unit: number;
  pinned: boolean;
}

/** How a layer relates to the atoms flowing into and out of it. */
export interface LayerRole {
  layer: tf.layers.Layer;
  kind: 'producer' | 'follower' | 'passthrough' | 'other';
  /** Atom of each input channel / row (producers: rows of the kernel; followers: channels). */
  inputs: number[];
  /** Atom of each output channel. */
  outputs: number[];
}

/** Layers that pass units through unchanged and hold nothing per unit. */
export const PASSTHROUGH: ReadonlySet<string> = new Set([
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'ThresholdedReLU',
  'Dropout',
  'SpatialDropout1D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'ZeroPadding2D',
  'UpSampling2D',
  'Cropping2D',
]);
/** Merge layers that combine the same unit of each input (tfjs-layers has no Subtract layer). */
export const ELEMENTWISE: ReadonlySet<string> = new Set(['Add', 'Multiply', 'Average', 'Maximum', 'Minimum']);

export class ChannelGraph {
  readonly atoms: Atom[] = [];
  readonly roles = new Map<string, LayerRole>();
  private parent: number[] = [];

  constructor(readonly model: tf.LayersModel) {
    const outputs = outputLayerNames(model);
    const produced = new Map<string, number[]>(); // layer name → atoms of its output
    const seen = new Set<string>();
    const visit = (layer: tf.layers.Layer): number[] => {
      const done = produced.get(layer.name);
      if (done) return done;
      if (seen.has(layer.name)) fail('prune', `layer '${layer.name}' is part of a cycle`);
      seen.add(layer.name);
      if (layer.inboundNodes.length > 1)
        fail('prune', `structured pruning does not support shared layer '${layer.name}' (called ${layer.inboundNodes.length} times)`);
      const inbound = layer.inboundNodes[0]?.inboundLayers ?? [];
      const ins = inbound.map(visit);
      const out = this.follow(layer, ins, outputs.has(layer.name));
      produced.set(layer.name, out);
      return out;
    };
    for (const layer of model.layers) visit(layer);
  }

  private newAtoms(producer: string, units: number, pinned: boolean): number[] {
    return Array.from({ length: units }, (_, unit) => {
      this.atoms.push({ producer, unit, pinned });
      this.parent.push(this.parent.length);
      return this.atoms.length - 1;
    });
  }

  private follow(layer: tf.layers.Layer, ins: number[][], isOutput: boolean): number[] {
    const cls = layer.getClassName();
    const config = layer.getConfig() as Record<string, unknown>;
    const shape = (layer.outputShape as (number | null)[]).slice(1) as number[];
    const single = () => {
      if (ins.length !== 1) fail('prune', `layer '${layer.name}' (${cls}) has ${ins.length} inputs; expected 1`);
      return ins[0]!;
    };
    const role = (kind: LayerRole['kind'], inputs: number[], outputs: number[]) => {
      this.roles.set(layer.name, { layer, kind, inputs, outputs });
      return outputs;
    };
    if (cls === 'InputLayer') return role('other', [], this.newAtoms(layer.name, shape.at(-1)!, true));
    if (cls === 'Dense' || cls === 'Conv2D' || cls === 'Conv1D') {
      const input = single();
      if (cls === 'Dense' && (layer.input as tf.SymbolicTensor).shape.length > 2) {
        fail(
          'prune',
          `structured pruning cannot follow channels through Dense layer '${layer.name}' applied to a ${(layer.input as tf.SymbolicTensor).shape.length}-D input`,
        );
      }
      return role('producer', input, this.newAtoms(layer.name, shape.at(-1)!, isOutput));
    }
    if (cls === 'DepthwiseConv2D') {
      if ((config.depthMultiplier as number) !== 1)
        fail('prune', `structured pruning supports depthwise layer '${layer.name}' only with depthMultiplier 1`);
      const input = single();
      return role('follower', input, input);
    }
    if (cls === 'BatchNormalization') {
      const axis = config.axis as number;
      if (axis !== -1 && axis !== shape.length) fail('prune', `structured pruning needs BatchNorm '${layer.name}' on the last axis`);
      const input = single();
      return role('follower', input, input);
    }
    if (cls === 'PReLU') {
      // alpha holds one slope per unit (and position, unless shared): sliced with the units, like BatchNorm
      const input = single();
      const slopes = layer.weights[0]!.shape.at(-1);
      return role(slopes === 1 && input.length > 1 ? 'passthrough' : 'follower', input, input);
    }
    if (PASSTHROUGH.has(cls)) {
      const input = single();
      if (cls === 'Activation' && config.activation === 'softmax' && !isOutput)
        fail('prune', `softmax layer '${layer.name}' mixes channels; structured pruning cannot pass it`);
      return role('passthrough', input, input);
    }
    if (cls === 'Flatten') {
      const input = single();
      const inShape = ((layer.inputSpec?.[0]?.shape ?? (layer.input as tf.SymbolicTensor).shape) as number[]).slice(1);
      const positions = inShape.reduce((a, b) => a * b, 1);
      const channels = input.length;
      return role(
        'passthrough',
        input,
        Array.from({ length: positions }, (_, k) => input[k % channels]!),
      );
    }
    if (ELEMENTWISE.has(cls)) {
      const [first, ...rest] = ins;
      for (const other of rest) {
        if (other.length !== first!.length) fail('prune', `layer '${layer.name}' (${cls}) joins inputs of different widths`);
        other.forEach((atom, i) => this.union(atom, first![i]!));
      }
      return role('passthrough', first!, first!);
    }
    if (cls === 'Concatenate') {
      const axis = config.axis as number;
      if (axis !== -1 && axis !== shape.length)
        fail('prune', `structured pruning supports Concatenate '${layer.name}' only on the channel axis`);
      const joined = ins.flat();
      return role('passthrough', joined, joined);
    }
    return fail(
      'prune',
      `structured pruning cannot follow channels through layer '${layer.name}' (${cls}); skip it or use unstructured pruning`,
    );
  }

  find(a: number): number {
    while (this.parent[a] !== a) {
      this.parent[a] = this.parent[this.parent[a]!]!;
      a = this.parent[a]!;
    }
    return a;
  }

  private union(a: number, b: number): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent[ra] = rb;
  }

  /** Coupled atoms: each group must be kept or removed as a whole. */
  groups(): number[][] {
    const byRoot = new Map<number, number[]>();
    this.atoms.forEach((_, i) => {
      const r = this.find(i);
      byRoot.set(r, [...(byRoot.get(r) ?? []), i]);
    });
    return [...byRoot.values()];
  }

  /** Layers that follow a producer's units directly (BatchNorm, depthwise), for bn-scale and slicing. */
  followersOf(atom: number): LayerRole[] {
    return [...this.roles.values()].filter((r) => r.kind === 'follower' && r.outputs.includes(atom));
  }

  /** A readable list of coupled groups, e.g. "stem.out ⇒ stem_bn ⇒ res_conv1.in + res_bn2 (Add)". */
  describe(): string[] {
    return this.groups()
      .filter((g) => !g.some((a) => this.atoms[a]!.pinned))
      .map((g) => {
        const producers = [...new Set(g.map((a) => this.atoms[a]!.producer))];
        const readers = [...this.roles.values()]
          .filter((r) => r.kind !== 'passthrough' && r.inputs.some((a) => g.includes(a)))
          .map((r) => r.layer.name);
        return `${producers.map((p) => `${p}.out`).join(' + ')} ⇒ ${[...new Set(readers)].join(', ') || '(output)'}`;
      })
      .filter((line, i, all) => all.indexOf(line) === i);
  }
}
