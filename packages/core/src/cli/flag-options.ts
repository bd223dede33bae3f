/** Parsed shared flags (flags.ts) → library options: one function per technique, used by the CLI and the magics alike. */
import type { Dataset } from '../data/dataset.js';
import type { Granularity, PruneMethod, PruneOptions } from '../prune/options.js';
import type { QuantizeModelOptions } from '../quantize/ptq.js';
import type { SaveOptions } from '../io/save.js';
import type { ObserverName } from '../quantize/observers.js';
import type { Clip } from '../quantize/affine.js';
import type { ClusterOptions } from '../cluster/options.js';
import type { FactorizeOptions } from '../lowrank/options.js';
import type { SensitivityOptions } from '../analysis/sensitivity.js';
import type { PruneInputsOptions } from '../features/options.js';
import { WhittleError } from '../errors.js';
import { budgetFromFlags, checkTechniques, type AutoOptions } from '../auto/options.js';
import { list } from './flag-parsers.js';

/** Parsed flags, as commander returns them (camelCase keys). */
export type Flags = Record<string, unknown>;

function granularity(flags: Flags): Granularity {
  if (flags.structured && flags.nm) throw new WhittleError('choose one of --structured and --nm');
  return (flags.nm as Granularity | undefined) ?? (flags.structured as Granularity | undefined) ?? 'unstructured';
}

/** prune() options from the shared prune flags; `calibration` is the data to compensate on, when there is some. */
export function pruneOptions(flags: Flags, calibration?: Dataset): PruneOptions {
  return {
    sparsity: flags.sparsity as number | undefined,
    scope: flags.scope as 'layer' | 'global',
    method: flags.method as PruneMethod | undefined,
    granularity: granularity(flags),
    skip: flags.skip as string[] | undefined,
    includeOutput: Boolean(flags.includeOutput),
    seed: flags.seed as number,
    compensate: flags.compensate as PruneOptions['compensate'],
    calibration,
    calibrationSamples: flags.calibrationSamples as number | undefined,
  };
}

/** quantize() options from the shared quantize flags; `calibration` feeds the activation ranges. */
export function quantizeOptions(flags: Flags, calibration?: Dataset): QuantizeModelOptions {
  const activationBits = flags.activations as number | undefined;
  return {
    weights: {
      bits: flags.bits as number | 'ternary' | 'float16',
      perChannel: flags.perChannel as boolean,
      scheme: flags.asymmetric ? 'asymmetric' : 'symmetric',
      scale: flags.pow2 ? 'pow2' : 'float',
      clip: flags.clip as Clip,
    },
    activations: activationBits ? { bits: activationBits, observer: flags.observer as ObserverName } : undefined,
    calibration: activationBits ? calibration : undefined,
    calibrationSamples: flags.calibrationSamples as number | undefined,
    equalize: Boolean(flags.equalize),
  };
}

/** autoCompress() options (all but the data) from the shared compress flags. */
export function compressOptions(flags: Flags): Omit<AutoOptions, 'train' | 'test'> {
  const optional = <K extends string>(key: K, v: unknown) => (v === undefined ? {} : { [key]: v });
  return {
    budget: budgetFromFlags(flags as { budget?: string; ratio?: string; maxDrop?: string; latency?: string }),
    techniques: checkTechniques(list(String(flags.techniques))),
    ...optional('sparsities', flags.sparsityLevels),
    ...optional('bits', flags.bitLevels),
    ...optional('ranks', flags.rankLevels),
    ...optional('calibrationSamples', flags.calibrationSamples),
    ...optional('workers', flags.workers),
    ...optional('epochs', flags.epochs),
    ...optional('rounds', flags.rounds),
    ...optional('size', flags.size),
  };
}

/** cluster() options from the shared cluster flags. */
export function clusterOptions(flags: Flags): ClusterOptions {
  return {
    clusters: flags.clusters as ClusterOptions['clusters'],
    init: flags.init as ClusterOptions['init'],
    scope: flags.scope as ClusterOptions['scope'],
    preserveSparsity: flags.preserveSparsity as boolean,
    skip: flags.skip as string[] | undefined,
    seed: flags.seed as number,
  };
}

/** factorize() options from the shared factorize flags; `calibration` is what 'pca' preserves. */
export function factorizeOptions(flags: Flags, calibration?: Dataset): FactorizeOptions {
  return {
    rank: flags.rank as number | undefined,
    energy: flags.energy as number | undefined,
    ratio: flags.ratio as number | undefined,
    layers: flags.layers as string[] | undefined,
    method: flags.method as FactorizeOptions['method'],
    calibration: flags.method === 'pca' ? calibration : undefined,
  };
}

/** sensitivity() options from the shared flags: --max-drop is in percentage points, the library's maxDrop a fraction. */
export function sensitivityOptions(flags: Flags): SensitivityOptions {
  return {
    technique: flags.technique as SensitivityOptions['technique'],
    levels: flags.levels as number[] | undefined,
    samples: flags.samples as number | undefined,
    layers: flags.layers as string[] | undefined,
    ...(flags.maxDrop === undefined ? {} : { maxDrop: (flags.maxDrop as number) / 100 }),
  };
}

/** pruneInputs() options (without data and progress) from the shared flags. */
export function pruneInputsOptions(flags: Flags): PruneInputsOptions {
  return {
    keep: flags.keep as number,
    method: flags.method as PruneInputsOptions['method'],
    steps: flags.steps as number,
    epochs: flags.epochs as number | undefined,
  };
}

/**
 * saveModel() options of a quantized model from --format/--vectors (the CLI's --out, a magic's --save).
 * Only the keys given: without --format, a format the model carries is not overridden.
 */
export function quantizeSaveOptions(flags: Flags): SaveOptions {
  const bits = flags.bits;
  const options: SaveOptions = {};
  if (flags.format !== undefined) options.quantization = flags.format as SaveOptions['quantization'];
  // packed stores per-channel symmetric integers at this width: lossless after per-channel quantization, a second rounding otherwise
  if (flags.format === 'packed' && typeof bits === 'number') options.bits = Math.min(8, Math.max(2, bits));
  if (flags.vectors) options.vectors = true;
  return options;
}
