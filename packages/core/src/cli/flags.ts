/**
 * The flags that the `whittle` CLI and the kernel's `%magics` share, declared
 * once: flag, library option key, help, default, parser. COMMANDS lists each
 * command's; both hosts derive their commander options from it and turn parsed
 * flags into library options with the same functions (flag-options.ts), so a
 * word means one thing with one default everywhere:
 *
 * - `--epochs <n>` is training epochs (fine-tuning, QAT, distillation, retraining);
 * - `--max-drop <pp>` is an accuracy drop in percentage points (the library's fractions are /100);
 * - `--per-channel` is on by default, as in the library; `--no-per-channel` turns it off;
 * - `--compensate <mode>` is the library's `compensate` (the least-squares refit is
 *   `--compensate least-squares`);
 * - `--calibration-samples <n>` is the library's `calibrationSamples`, a count
 *   (the calibration *data* is the MNIST train split in the CLI, `--calibration <data>` in a magic).
 */
import { Option, type Command } from 'commander';
import { CALIBRATION_SAMPLES as PRUNE_SAMPLES } from '../prune/options.js';
import { CALIBRATION_SAMPLES as QUANTIZE_SAMPLES } from '../quantize/ptq.js';
import { OBSERVERS } from '../quantize/observers.js';
import { CLIPS } from '../quantize/affine.js';
import { EXPORT_QUANTIZATIONS } from '../quantize/export.js';
import { CLUSTER_INITS } from '../cluster/kmeans.js';
import { DEEP_DEFAULTS } from '../cluster/deep.js';
import { DEFAULT_ALPHA, DEFAULT_TEMPERATURE } from '../distill/teacher.js';
import { bits, clusters, levels, list, nm, number, oneOf, wholeNumber } from './flag-parsers.js';

export interface FlagDeclaration {
  /** commander flags, e.g. '--sparsity <s>'. */
  flags: string;
  /** The library option it sets (documentation; the mapping is in flag-options.ts). */
  key: string;
  help: string;
  default?: unknown;
  /** Parses the flag's text; throws InvalidArgumentError with the rule. */
  parse?: (value: string) => unknown;
  /** Also declare `--no-<name>` (for flags that are on by default). */
  negate?: string;
  /** The command cannot run without it. */
  required?: boolean;
}

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
  skip: { flags: '--skip <layers>', key: 'skip', help: 'comma-separated layer names or globs to leave alone', parse: list },
  includeOutput: { flags: '--include-output', key: 'includeOutput', help: 'also prune the classifier layer' },
  seed: {
    flags: '--seed <n>',
    key: 'seed',
    help: 'seed of everything random (random pruning, fresh weights, shuffles, subsets)',
    default: 0,
    parse: wholeNumber(0),
  },
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
    help: 'weight range: minmax | mse (clipped to the least squared error; better at 2–3 bits)',
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
  techniques: {
    flags: '--techniques <list>',
    key: 'techniques',
    help: 'comma-separated: prune, quantize, cluster, factorize',
    default: 'prune,quantize',
  },
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
  rankLevels: {
    flags: '--rank-levels <list>',
    key: 'ranks',
    help: 'factorize: ranks to consider per layer, as fractions of full rank (default 0.5,0.25,0.125,0.0625)',
    parse: (v: string) => list(v).map(number),
  },
  workers: {
    flags: '--workers <n>',
    key: 'workers',
    help: 'threads for the search, this one included (default: the core count; 0 or 1 = this thread alone)',
    parse: wholeNumber(0),
  },
  // training epochs: one word, `--epochs`, whose default depends on what trains
  fineTuneEpochs: {
    flags: '--epochs <n>',
    key: 'fineTune.epochs',
    help: "fine-tuning epochs afterwards on the train data, sparsity and codebooks kept (default: none; a magic's --fine-tune <data> alone: 1)",
    parse: wholeNumber(0),
  },
  qatEpochs: {
    flags: '--epochs <n>',
    key: 'quantizeAwareTrain.epochs',
    help: "quantization-aware training epochs on the train data, --bits 2…8 (default: none, post-training; a magic's --qat <data> alone: 1)",
    parse: wholeNumber(0),
  },
  compressEpochs: {
    flags: '--epochs <n>',
    key: 'epochs',
    help: 'fine-tuning epochs after applying the plan (--pipeline deep: after each pruning round, and of the centroids)',
    default: 2,
    parse: wholeNumber(0),
  },
  distillEpochs: { flags: '--epochs <n>', key: 'epochs', help: 'passes over the training data', default: 5, parse: wholeNumber(1) },
  retrainEpochs: {
    flags: '--epochs <n>',
    key: 'epochs',
    help: 'retraining epochs after each round (default 1 with --steps > 1, else 0)',
    parse: wholeNumber(0),
  },
  // saving a quantized model (the CLI's --out, a magic's --save)
  format: {
    flags: '--format <f>',
    key: 'saveModel.quantization',
    help: `save weights as ${[...EXPORT_QUANTIZATIONS, 'packed'].join(' | ')} (stock tfjs decodes all but packed: per-channel --bits 2…8; default: the format the quantized model carries, packed for ≤ 8 bits)`,
    parse: oneOf([...EXPORT_QUANTIZATIONS, 'packed']),
  },
  vectors: {
    flags: '--vectors',
    key: 'saveModel.vectors',
    help: 'uint8/uint16/float16: also encode 1-D weights (biases, BatchNorm); default float32',
  },
  rounds: { flags: '--rounds <n>', key: 'rounds', help: 'plan → fine-tune → verify rounds at most', default: 3, parse: wholeNumber(1) },
  size: {
    flags: '--size <measure>',
    key: 'size',
    help: 'count the budget as gzip or bytes on disk',
    default: 'gzip',
    parse: oneOf(['gzip', 'bytes']),
  },
  // compress --pipeline deep (Deep Compression): flags only the deep pipeline reads (cli/pipeline.ts says which)
  pipeline: {
    flags: '--pipeline <name>',
    key: 'pipeline',
    help: 'deep: a fixed sequence instead of a budget (prune → fine-tune → k-means → fine-tune centroids → Huffman)',
    parse: oneOf(['deep']),
  },
  deepSparsity: {
    flags: '--sparsity <s>',
    key: 'sparsity',
    help: `deep: final fraction of kernel weights removed, in [0, 1) (default ${DEEP_DEFAULTS.sparsity})`,
    parse: number,
  },
  deepClusters: {
    flags: '--clusters <k>',
    key: 'clusters',
    help: `deep: centroids per codebook, or layer=k pairs (default ${DEEP_DEFAULTS.clusters})`,
    parse: clusters,
  },
  pruneSteps: {
    flags: '--prune-steps <n>',
    key: 'pruneSteps',
    help: `deep: pruning rounds, each fine-tuned (default ${DEEP_DEFAULTS.pruneSteps})`,
    parse: wholeNumber(1),
  },
  annealEpochs: {
    flags: '--anneal-epochs <n>',
    key: 'annealEpochs',
    help: 'deep: epochs at a tenth of the learning rate after the rounds, before k-means (default 0)',
    parse: wholeNumber(0),
  },
  shiftCopies: {
    flags: '--shift-copies <n>',
    key: 'shiftCopies',
    help: 'deep: also fine-tune on n copies of the images moved one pixel (image models; against overfitting, default 0)',
    parse: wholeNumber(0),
  },
  // sensitivity
  technique: {
    flags: '--technique <t>',
    key: 'technique',
    help: 'prune | quantize',
    default: 'prune',
    parse: oneOf(['prune', 'quantize']),
  },
  levels: {
    flags: '--levels <levels>',
    key: 'levels',
    help: 'sparsities, or bit widths for quantize: list 0.5,0.9 or range 0.1:0.9:0.1',
    parse: levels,
  },
  samples: {
    flags: '--samples <n>',
    key: 'samples',
    help: 'evaluate on a seeded random subset of n test samples (default: all)',
    parse: wholeNumber(1),
  },
  layers: {
    flags: '--layers <names>',
    key: 'layers',
    help: 'comma-separated layer names or globs (default: every layer the technique applies to)',
    parse: list,
  },
  dropLine: {
    flags: '--max-drop <pp>',
    key: 'maxDrop',
    help: 'acceptable accuracy drop in percentage points, drawn as a line',
    parse: number,
  },
  // compare
  latencyRuns: {
    flags: '--latency-runs <n>',
    key: 'latencyRuns',
    help: 'timed predict runs per model (0 skips latency)',
    default: 10,
    parse: wholeNumber(0),
  },
  // cluster
  clusters: {
    flags: '--clusters <k>',
    key: 'clusters',
    help: 'centroids per codebook in [2, 65536], or layer=k pairs (fc1=32,conv*=64)',
    parse: clusters,
    required: true,
  },
  init: { flags: '--init <init>', key: 'init', help: CLUSTER_INITS.join(' | '), default: 'linear', parse: oneOf(CLUSTER_INITS) },
  clusterScope: {
    flags: '--scope <scope>',
    key: 'scope',
    help: 'layer | channel (one codebook per output channel)',
    default: 'layer',
    parse: oneOf(['layer', 'channel']),
  },
  preserveSparsity: {
    flags: '--preserve-sparsity',
    key: 'preserveSparsity',
    help: 'zeros stay zero and take no centroid (the default)',
    default: true,
    negate: 'let zeros take a centroid like any weight',
  },
  // factorize
  rank: { flags: '--rank <r>', key: 'rank', help: 'the same rank for every chosen layer', parse: wholeNumber(1) },
  energy: {
    flags: '--energy <e>',
    key: 'energy',
    help: 'per layer, the smallest rank keeping this fraction of Σσ², in (0, 1]',
    parse: number,
  },
  factorRatio: {
    flags: '--ratio <q>',
    key: 'ratio',
    help: "per layer, the largest rank whose factors hold ≤ this fraction of the layer's params",
    parse: number,
  },
  factorizeMethod: {
    flags: '--method <m>',
    key: 'method',
    help: 'svd | pca (data-aware: keeps the layer outputs on calibration samples)',
    default: 'svd',
    parse: oneOf(['svd', 'pca']),
  },
  // prune-inputs
  keep: { flags: '--keep <k>', key: 'keep', help: 'features to keep: a fraction in (0, 1] or a count', parse: number, required: true },
  featureMethod: {
    flags: '--method <m>',
    key: 'method',
    help: 'weight | saliency | permutation',
    default: 'weight',
    parse: oneOf(['weight', 'saliency', 'permutation']),
  },
  steps: {
    flags: '--steps <n>',
    key: 'steps',
    help: 'rounds of recursive feature elimination (1 = one shot)',
    default: 1,
    parse: wholeNumber(1),
  },
  // distill
  width: {
    flags: '--width <w>',
    key: 'shrinkWidth.factor',
    help: 'or: a fresh student of the teacher’s architecture with every hidden width × w, in (0, 1]',
    parse: number,
  },
  temperature: {
    flags: '--temperature <T>',
    key: 'temperature',
    help: 'softmax temperature of the soft term, > 0',
    default: DEFAULT_TEMPERATURE,
    parse: number,
  },
  alpha: {
    flags: '--alpha <a>',
    key: 'alpha',
    help: 'weight of the soft term in [0, 1]; 1 − α weighs the labels',
    default: DEFAULT_ALPHA,
    parse: number,
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
  'rankLevels',
  'calibrationSamples',
  'workers',
] as const satisfies readonly FlagName[];

/** What only `compress --pipeline deep` reads (`--epochs` it shares with the budget). */
export const DEEP_FLAGS = [
  'pipeline',
  'deepSparsity',
  'deepClusters',
  'pruneSteps',
  'annealEpochs',
  'shiftCopies',
] as const satisfies readonly FlagName[];

/**
 * The technique flags of every command that is both a CLI command and a magic
 * (`prune-inputs` is `%prune_inputs`). Only where the data comes from (a path or a
 * notebook variable) and where results go (--out/--json, --as/--save) differ by host.
 */
export const COMMANDS = {
  summary: [],
  evaluate: [],
  compare: ['latencyRuns'],
  sensitivity: ['technique', 'levels', 'samples', 'layers', 'dropLine'],
  prune: [...PRUNE_FLAGS, 'fineTuneEpochs'],
  quantize: [...QUANTIZE_FLAGS, 'qatEpochs', 'format', 'vectors'],
  compress: [...COMPRESS_FLAGS, 'compressEpochs', 'rounds', 'size', ...DEEP_FLAGS],
  cluster: ['clusters', 'init', 'clusterScope', 'preserveSparsity', 'skip', 'seed', 'fineTuneEpochs'],
  factorize: ['rank', 'energy', 'factorRatio', 'layers', 'factorizeMethod', 'fineTuneEpochs'],
  'prune-inputs': ['keep', 'featureMethod', 'steps', 'retrainEpochs'],
  distill: ['width', 'temperature', 'alpha', 'distillEpochs', 'seed'],
} as const satisfies Record<string, readonly FlagName[]>;
export type CommandName = keyof typeof COMMANDS;

/** Adds a command's declared flags (COMMANDS) to a commander command: the CLI's subcommand or a magic's parser. */
export function addCommandFlags(cmd: Command, command: CommandName): Command {
  return addFlags(cmd, COMMANDS[command]);
}

/** Adds the declared flags to a commander command (the CLI's subcommand or a magic's parser). */
export function addFlags(cmd: Command, names: readonly FlagName[]): Command {
  for (const name of names) {
    const d: FlagDeclaration = FLAGS[name];
    const option = new Option(d.flags, d.help);
    if (d.parse) option.argParser(d.parse);
    if (d.default !== undefined) option.default(d.default);
    if (d.required) option.makeOptionMandatory();
    cmd.addOption(option);
    if (d.negate) cmd.addOption(new Option(d.flags.replace(/^--/, '--no-'), d.negate));
  }
  return cmd;
}

export * from './flag-options.js';
