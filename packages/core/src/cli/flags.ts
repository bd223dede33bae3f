/**
 * The flags that the `whittle` CLI and the kernel's `%magics` share, declared
 * once: flag, library option key, help, default, parser. Both derive their
 * commander options from this table and turn parsed flags into library options
 * with the same functions, so a word means one thing with one default everywhere:
 *
 * - `--per-channel` is on by default, as in the library; `--no-per-channel` turns it off;
 * - `--compensate <mode>` is the library's `compensate` (the least-squares refit is
 *   `--compensate least-squares`);
 * - `--calibration-samples <n>` is the library's `calibrationSamples`, a count
 *   (the calibration *data* is the MNIST train split in the CLI, `--calibration <data>` in a magic).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Dataset } from '../data/dataset.js';
import { CALIBRATION_SAMPLES as PRUNE_SAMPLES, type Granularity, type PruneMethod, type PruneOptions } from '../prune/options.js';
import { CALIBRATION_SAMPLES as QUANTIZE_SAMPLES, type QuantizeModelOptions } from '../quantize/ptq.js';
import { OBSERVERS, type ObserverName } from '../quantize/observers.js';
import { CLIPS, type Clip } from '../quantize/affine.js';
import { WhittleError } from '../errors.js';
import { budgetFromFlags, checkTechniques, type AutoOptions } from '../auto/options.js';

export interface FlagDeclaration {
  /** commander flags, e.g. '--sparsity <s>'. */
  flags: string;
  /** The library option it sets (documentation; the mapping is in pruneOptions / quantizeOptions). */
  key: string;
  help: string;
  default?: unknown;
  /** Parses the flag's text; throws InvalidArgumentError with the rule. */
  parse?: (value: string) => unknown;
  /** Also declare `--no-<name>` (for flags that are on by default). */
  negate?: string;
}

const number = (v: string) => {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
};
const wholeNumber = (min: number) => (v: string) => {
  const n = number(v);
  if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
  return n;
};
/** The parser carries its `choices`, so the kernel can tab-complete them. */
const oneOf = <T extends string>(choices: readonly T[]) =>
  Object.assign(
    (v: string): T => {
      if (!choices.includes(v as T)) throw new InvalidArgumentError(`must be one of ${choices.join(', ')}`);
      return v as T;
    },
    { choices },
  );
const nm = (v: string) => {
  const m = /^(\d+):(\d+)$/.exec(v);
  if (!m) throw new InvalidArgumentError('must look like 2:4');
  return { n: Number(m[1]), m: Number(m[2]) };
};
const bits = (v: string) => {
  if (v === 'ternary' || v === 'float16') return v;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('must be an integer 1…16, ternary or float16');
  return n;
};
const list = (v: string) => v.split(',').map((s) => s.trim());

export const FLAGS = {
  // prune
  sparsity: {
    flags: '--sparsity <s>',
    key: 'sparsity',
    help: 'fraction to remove in [0, 1) (of weights, or of units with --structured)',
    parse: number,
  },
  scope: {
    flags: '--scope <scope>',
    key: 'scope',
    help: 'layer | global (one threshold for all layers)',
    default: 'layer',
    parse: oneOf(['layer', 'global']),
  },
  method: {
    flags: '--method <m>',
    key: 'method',
    help: 'magnitude | random (weights); l1 | l2 | bn-scale | random (units)',
    parse: oneOf(['magnitude', 'random', 'l1', 'l2', 'bn-scale']),
  },
  structured: {
    flags: '--structured <g>',
    key: 'granularity',
    help: 'remove whole units: neuron | filter | channel (physically smaller)',
    parse: oneOf(['neuron', 'filter', 'channel']),
  },
  nm: { flags: '--nm <n:m>', key: 'granularity', help: 'N:M sparsity, e.g. 2:4', parse: nm },
  skip: { flags: '--skip <layers>', key: 'skip', help: 'comma-separated layer names or globs to leave dense', parse: list },
  includeOutput: { flags: '--include-output', key: 'includeOutput', help: 'also prune the classifier layer' },
  seed: { flags: '--seed <n>', key: 'seed', help: 'seed for random pruning', default: 0, parse: wholeNumber(0) },
  compensate: {
    flags: '--compensate <mode>',
    key: 'compensate',
    help: 'none | mean-activation | least-squares: make up for what was removed, fitted on calibration samples (default: least-squares when calibration data is given, else none)',
    parse: oneOf(['none', 'mean-activation', 'least-squares']),
  },
  calibrationSamples: {
    flags: '--calibration-samples <n>',
    key: 'calibrationSamples',
    help: `how many calibration samples to use, a seeded random subset (default: ${PRUNE_SAMPLES} for prune, ${QUANTIZE_SAMPLES} for quantize)`,
    parse: wholeNumber(1),
  },
  // quantize
  bits: { flags: '--bits <b>', key: 'weights.bits', help: 'weight bits: 1…16, ternary or float16', default: 8, parse: bits },
  perChannel: {
    flags: '--per-channel',
    key: 'weights.perChannel',
    help: 'one scale per output channel (the default)',
    default: true,
    negate: 'one scale per tensor instead',
  },
  asymmetric: { flags: '--asymmetric', key: 'weights.scheme', help: 'asymmetric (zero point) instead of symmetric' },
  pow2: { flags: '--pow2', key: 'weights.scale', help: 'power-of-two scales' },
  clip: {
    flags: '--clip <mode>',
    key: 'weights.clip',
    help: 'weight range: minmax | mse (clipped to the least squared error; better at 2–4 bits)',
    default: 'minmax',
    parse: oneOf(CLIPS),
  },
  activations: {
    flags: '--activations <bits>',
    key: 'activations.bits',
    help: 'also fake-quantize activations to these bits, ranges from calibration samples (needs data)',
    parse: wholeNumber(2),
  },
  observer: {
    flags: '--observer <name>',
    key: 'activations.observer',
    help: `activation range observer: ${OBSERVERS.join(' | ')}`,
    default: 'minmax',
    parse: oneOf(OBSERVERS),
  },
  equalize: { flags: '--equalize', key: 'equalize', help: 'fold BatchNorm and equalize ranges across layers first' },
  // compress (autoCompress); budget texts are checked by compressOptions, which names the rule
  budget: {
    flags: '--budget <size>',
    key: 'budget.bytes',
    help: 'largest size, unit B, kB or MB (gzip bytes of the saved files), e.g. 20kB',
  },
  ratio: { flags: '--ratio <r>', key: 'budget.ratio', help: 'at least this many times smaller than the float32 model' },
  maxDrop: { flags: '--max-drop <pp>', key: 'budget.maxAccuracyDrop', help: 'largest test-accuracy drop, in percentage points' },
  latency: { flags: '--latency <ms>', key: 'budget.latencyMs', help: 'largest single-sample latency in ms (checked, not planned for)' },
  techniques: { flags: '--techniques <list>', key: 'techniques', help: 'comma-separated: prune, quantize', default: 'prune,quantize' },
  sparsityLevels: {
    flags: '--sparsity-levels <list>',
    key: 'sparsities',
    help: 'sparsities to consider per layer (default 0,0.25,0.5,0.7,0.8,0.9,0.95)',
    parse: (v: string) => list(v).map(number),
  },
  bitLevels: {
    flags: '--bit-levels <list>',
    key: 'bits',
    help: 'weight bits to consider per layer, 32 = float (default 32,8,6,4,3,2)',
    parse: (v: string) => list(v).map(number),
  },
  workers: {
    flags: '--workers <n>',
    key: 'workers',
    help: 'worker threads for the search (default: the core count; 0 = this thread)',
    parse: wholeNumber(0),
  },
} as const satisfies Record<string, FlagDeclaration>;

export type FlagName = keyof typeof FLAGS;
export const PRUNE_FLAGS = [
  'sparsity',
  'scope',
  'method',
  'structured',
  'nm',
  'skip',
  'includeOutput',
  'seed',
  'compensate',
  'calibrationSamples',
] as const satisfies readonly FlagName[];
export const QUANTIZE_FLAGS = [
  'bits',
  'perChannel',
  'asymmetric',
  'pow2',
  'clip',
  'activations',
  'observer',
  'calibrationSamples',
  'equalize',
] as const satisfies readonly FlagName[];

export const COMPRESS_FLAGS = [
  'budget',
  'ratio',
  'maxDrop',
  'latency',
  'techniques',
  'sparsityLevels',
  'bitLevels',
  'calibrationSamples',
  'workers',
] as const satisfies readonly FlagName[];

/** Adds the declared flags to a commander command (the CLI's subcommand or a magic's parser). */
export function addFlags(cmd: Command, names: readonly FlagName[]): Command {
  for (const name of names) {
    const d: FlagDeclaration = FLAGS[name];
    const option = new Option(d.flags, d.help);
    if (d.parse) option.argParser(d.parse);
    if (d.default !== undefined) option.default(d.default);
    cmd.addOption(option);
    if (d.negate) cmd.addOption(new Option(d.flags.replace(/^--/, '--no-'), d.negate));
  }
  return cmd;
}

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
    ...optional('calibrationSamples', flags.calibrationSamples),
    ...optional('workers', flags.workers),
  };
}
