/**
 * `compress` (CLI and %compress) runs one of two pipelines: a budget (autoCompress,
 * the default) or `--pipeline deep` (deepCompress). Each reads flags the other does
 * not; a flag of the other pipeline is a one-line error rather than silently ignored.
 */
import type { DeepCompressOptions } from '../cluster/deep.js';
import { fail } from '../errors.js';
import { COMPRESS_FLAGS, DEEP_FLAGS, FLAGS, type FlagDeclaration, type FlagName, type Flags } from './flags.js';

const BUDGET_ONLY = [...COMPRESS_FLAGS, 'rounds', 'size'] as const satisfies readonly FlagName[];
const DEEP_ONLY = DEEP_FLAGS.filter((f) => f !== 'pipeline');

const long = (name: FlagName) => /--[\w-]+/.exec(FLAGS[name].flags)![0];
/** The key commander stores a flag's value under: `--prune-steps` → pruneSteps. */
const attribute = (name: FlagName) =>
  long(name)
    .slice(2)
    .replace(/-(\w)/g, (_, c: string) => c.toUpperCase());

/**
 * The first of `names` that was given. A flag with a default counts when its value
 * differs from it (the parsed flags do not say whether the default was typed out).
 */
function given(flags: Flags, names: readonly FlagName[]): FlagName | undefined {
  return names.find((name) => {
    const value = flags[attribute(name)];
    const d: FlagDeclaration = FLAGS[name];
    return value !== undefined && value !== d.default;
  });
}

/** Which pipeline the compress flags ask for; a flag that only the other one reads is a one-line error. */
export function compressPipeline(flags: Flags): 'budget' | 'deep' {
  if (flags.pipeline === undefined) {
    const deep = given(flags, DEEP_ONLY);
    if (deep) fail('whittle', `${long(deep)} needs --pipeline deep (a budget plans each layer itself)`);
    return 'budget';
  }
  if (flags.pipeline !== 'deep') fail('whittle', `--pipeline must be 'deep', got '${String(flags.pipeline)}'`);
  const budget = given(flags, BUDGET_ONLY);
  if (budget) fail('whittle', `${long(budget)} is a budget flag; --pipeline deep runs a fixed sequence (drop one of them)`);
  return 'deep';
}

/** deepCompress() options (all but the data and callbacks) from the compress flags; unset ones take deepCompress's defaults. */
export function deepOptions(
  flags: Flags,
): Pick<DeepCompressOptions, 'sparsity' | 'clusters' | 'pruneSteps' | 'epochs' | 'annealEpochs' | 'shiftCopies'> {
  return {
    sparsity: flags.sparsity as number | undefined,
    clusters: flags.clusters as DeepCompressOptions['clusters'],
    pruneSteps: flags.pruneSteps as number | undefined,
    epochs: flags.epochs as number | undefined,
    annealEpochs: flags.annealEpochs as number | undefined,
    shiftCopies: flags.shiftCopies as number | undefined,
  };
}
