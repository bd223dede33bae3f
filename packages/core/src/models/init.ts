import * as tf from '@tensorflow/tfjs';

type Initializer = ReturnType<typeof tf.initializers.randomUniform>;

/**
 * PyTorch's default initialization (kaiming-uniform with a = √5 for weights,
 * U(±1/√fan_in) for biases) — both are U(±1/√fan_in). The reference results in
 * shared/reference were trained this way; matching it keeps the comparison fair.
 * Each call takes the next seed, so a model built twice is the same model.
 */
export class TorchInit {
  private seed: number;
  constructor(seed = 0) {
    this.seed = seed * 1000;
  }

  /** Initializers for a layer whose kernel sees `fanIn` inputs per output. */
  layer(fanIn: number): { kernelInitializer: Initializer; biasInitializer: Initializer } {
    const bound = 1 / Math.sqrt(fanIn);
    return {
      kernelInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.seed++ }),
      biasInitializer: tf.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.seed++ }),
    };
  }

  /** Kernel initializer only (for layers without bias, e.g. conv before BatchNorm). */
  kernel(fanIn: number): Initializer {
    return this.layer(fanIn).kernelInitializer;
  }
}
