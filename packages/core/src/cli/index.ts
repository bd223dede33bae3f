/** The `whittle` command. Each subcommand prints a table, or the report object with --json. */
import { Command, CommanderError } from 'commander';
import { initBackend } from '../backend/index.js';
import { WhittleError } from '../errors.js';
import { summary } from '../analysis/summary.js';
import { evaluate } from '../analysis/evaluate.js';
import { compare } from '../analysis/compare.js';
import { DATA_HELP, MODEL_NAMES, requireData, resolveModel } from './resolve.js';
import { runDemo } from './demo.js';
import { printReport } from './print.js';
import { addCommandFlags } from './flags.js';
import { MODEL_HELP, modelCommand } from './command.js';
import { registerSensitivity } from './sensitivity.js';
import { registerPrune } from './prune.js';
import { registerQuantize } from './quantize.js';
import { registerCompress } from './compress.js';
import { registerCluster } from './cluster.js';
import { registerFactorize } from './factorize.js';
import { registerPruneInputs } from './prune-inputs.js';
import { registerDistill } from './distill.js';

export { printReport } from './print.js';
export { runDemo, type DemoRow } from './demo.js';

/** Subcommands defined in their own modules. */
const commandRegistrations: ((program: Command) => void)[] = [
  registerPrune,
  registerQuantize,
  registerSensitivity,
  registerCluster,
  registerFactorize,
  registerPruneInputs,
  registerDistill,
  registerCompress,
];

export function buildProgram(): Command {
  const program = new Command('whittle')
    .description('Make TensorFlow.js models smaller and faster, and show what each step did.')
    .showHelpAfterError('(run whittle --help for usage)')
    .exitOverride();

  modelCommand(
    program,
    'summary',
    `per-layer params, nonzeros, sparsity, MACs and bytes (shipped models: ${MODEL_NAMES.join(', ')})`,
  ).action(async (spec: string, opts: { json?: boolean }) => {
    await initBackend();
    printReport(summary(await resolveModel(spec)), opts.json);
  });

  modelCommand(program, 'evaluate', 'accuracy and loss on the MNIST test split (2,004 digits) or on --data', { data: true }).action(
    async (spec: string, opts: { data?: string; json?: boolean }) => {
      await initBackend();
      const model = await resolveModel(spec);
      const data = requireData(model, opts.data, 'evaluate');
      try {
        printReport(evaluate(model, data.test), opts.json);
      } finally {
        data.dispose();
      }
    },
  );

  const compareCmd = program
    .command('compare')
    .description('two models side by side on the same data: accuracy, top-1 agreement, KL, params, bytes, latency')
    .argument('<a>', MODEL_HELP)
    .argument('<b>', MODEL_HELP);
  addCommandFlags(compareCmd, 'compare')
    .option('--data <path>', DATA_HELP)
    .option('--json', 'print the report object')
    .action(async (specA: string, specB: string, opts: { data?: string; latencyRuns: number; json?: boolean }) => {
      await initBackend();
      const [a, b] = [await resolveModel(specA), await resolveModel(specB)];
      const data = requireData(a, opts.data, 'compare');
      try {
        printReport(await compare(a, b, data.test, { latencyRuns: opts.latencyRuns }), opts.json);
      } finally {
        data.dispose();
      }
    });

  program
    .command('demo')
    .description('run the compression pipeline on a reference model and print a before/after table')
    .option('--model <name>', 'reference model', 'lenet-5')
    .action(async (opts: { model: string }) => {
      const info = await initBackend();
      console.log(`backend: ${info.name} (${info.reason})`);
      await runDemo(opts.model);
    });

  for (const register of commandRegistrations) register(program);
  return program;
}

/** Runs the CLI; returns the exit code. Errors are one line on stderr. */
export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander already printed it
    if (err instanceof WhittleError) {
      console.error(err.message.startsWith('whittle: ') ? err.message : `whittle: ${err.message}`);
      return 1;
    }
    throw err;
  }
}
