/**
 * Reference figures measured on these machines with the same MNIST split
 * (source: shared/reference/mnist-references.md, 2026-11-22; PyTorch 1.13.1 CPU,
 * 2 threads; plain TensorFlow.js 4.22 on wasm/cpu without Whittle).
 */
export const TORCH = 'PyTorch 1.13 (same split, these machines)';
export const TFJS = 'plain tfjs 4.22 (same split, these machines)';

export const REF = {
  accuracy: {
    'lenet-300-100': { torch: 0.9461, tfjs: 0.9446 },
    'lenet-5': { torch: 0.9626, tfjs: 0.9611 },
  },
  secondsPerEpoch: {
    'lenet-300-100': { torch: 0.527, tfjsWasm: 4.45, tfjsCpu: 30.931 },
    'lenet-5': { torch: 1.706, tfjsWasm: 6.562, tfjsCpu: 640 },
  },
  /**
   * Deep Compression: the PyTorch harness's LeNet-300-100 pipeline (§6: 92 % global pruning, k = 32,
   * 2 epochs of centroid fine-tuning; sizes from its formula, ratio vs dense fp32), and the paper's
   * reported ratios (Han et al. 2016, Table 1; their LeNet-5 is Caffe's 431 K-param one).
   */
  deepCompression: {
    'lenet-300-100': { torch: { ratioHuffman: 35.15, ratioPlain: 28.21, accuracy: 0.9431 }, paper: 40 },
    'lenet-5': { torch: undefined, paper: 39 },
  } as Record<string, { torch?: { ratioHuffman: number; ratioPlain: number; accuracy: number }; paper: number }>,
  /** Predicting the 2,004 test digits, ms. */
  inferenceMs: {
    'lenet-300-100': { torch: 8.971, tfjsWasm: 67.038, tfjsCpu: 1888.114 },
    'lenet-5': { torch: 209.616, tfjsWasm: 135.389, tfjsCpu: 4315.753 },
  },
} as const;
