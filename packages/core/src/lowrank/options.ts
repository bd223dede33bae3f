import type { Dataset } from '../data/dataset.js';
import { checkPositiveInt, fail } from '../errors.js';
import { checkOptions, optionKeys } from '../options.js';

export type FactorizeMethod = 'svd' | 'pca';

/**
 * How much of each layer to keep: give exactly one of `rank`, `energy` or
 * `ratio`. r is the width of the layer between the two factors.
 */
export interface FactorizeOptions {
  /** The same r for every chosen layer, or a map from layer name to r; must be in [1, min(in, out)). A map chooses the layers it names. */
  rank?: number | Record<string, number>;
  /** Per layer, the smallest r keeping this fraction of Σσ² (svd) or of the output variance (pca); in (0, 1]. */
  energy?: number;
  /** Per layer, the largest r whose two factors hold at most this fraction of the kernel's parameters; in (0, 1). */
  ratio?: number;
  /** Layer names or globs; default every Dense and Conv2D layer except the output layer. */
  layers?: string[];
  /** 'svd' (default): truncated SVD of the kernel. 'pca': keep the top principal directions of the layer's outputs on `calibration`. */
  method?: FactorizeMethod;
  /** Samples whose layer outputs 'pca' preserves (e.g. the training split); a seeded random subset is used. */
  calibration?: Dataset;
  /** How many calibration samples 'pca' uses. Default 1000. */
  calibrationSamples?: number;
  /** Called before each chosen layer is decomposed (an SVD of LeNet-300-100's fc1 takes seconds). */
  onProgress?: (p: { layer: string; index: number; layers: number }) => void;
}

const KNOWN = optionKeys<FactorizeOptions>({
  rank: true,
  energy: true,
  ratio: true,
  layers: true,
  method: true,
  calibration: true,
  calibrationSamples: true,
  onProgress: true,
});

export type Budget =
  { kind: 'rank'; value: number | Record<string, number> } | { kind: 'energy'; value: number } | { kind: 'ratio'; value: number };

/** Validates options; returns them with defaults filled in. */
export function normalize(options: FactorizeOptions) {
  if (typeof options !== 'object' || options === null) fail('factorize', `options must be an object, got ${String(options)}`);
  checkOptions('factorize', options, KNOWN);
  const given = (['rank', 'energy', 'ratio'] as const).filter((k) => options[k] !== undefined);
  if (given.length !== 1)
    fail('factorize', `give exactly one of rank, energy or ratio, got ${given.length ? given.join(' and ') : 'none'}`);
  const kind = given[0]!;
  const value = options[kind] as unknown;
  if (kind === 'rank' && typeof value === 'object' && value !== null) {
    for (const [layer, r] of Object.entries(value)) checkPositiveInt('factorize', `rank of '${layer}'`, r);
    if (options.layers !== undefined) fail('factorize', 'a rank map names its layers; give it without layers');
  } else if (kind === 'rank') checkPositiveInt('factorize', 'rank', value);
  if (kind === 'energy' && !(typeof value === 'number' && value > 0 && value <= 1))
    fail('factorize', `energy=${String(value)} must be in (0, 1]`);
  if (kind === 'ratio' && !(typeof value === 'number' && value > 0 && value < 1))
    fail('factorize', `ratio=${String(value)} must be in (0, 1)`);
  const method = options.method ?? 'svd';
  if (method !== 'svd' && method !== 'pca') fail('factorize', `method must be 'svd' or 'pca', got '${String(method)}'`);
  if (method === 'pca' && !options.calibration) fail('factorize', "method 'pca' needs calibration samples (options.calibration)");
  if (options.layers !== undefined && (!Array.isArray(options.layers) || options.layers.length === 0))
    fail('factorize', 'layers must be a non-empty list of layer names or globs');
  return {
    budget: { kind, value } as Budget,
    method,
    layers: kind === 'rank' && typeof value === 'object' ? Object.keys(value as object) : options.layers,
    calibration: options.calibration,
    calibrationSamples: checkPositiveInt('factorize', 'calibrationSamples', options.calibrationSamples ?? 1000),
  };
}

export type Normalized = ReturnType<typeof normalize>;
