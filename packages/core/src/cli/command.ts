/** The shape every `whittle <command> <model>` shares, written once: operand, declared flags, --data/--out/--json, and the ending. */
import type { Command } from 'commander';
import type { Report } from '@whittle/report';
import { addCommandFlags, type CommandName } from './flags.js';
import { DATA_HELP } from './resolve.js';
import { printReport } from './print.js';

export const MODEL_HELP = 'model.json, its folder, or a shipped model name';

/**
 * `whittle NAME <model>` with the flags COMMANDS declares for it, then `--data PATH`
 * (when it reads data files), `--out DIR` (when it saves; `out` is its help) and `--json`.
 */
export function modelCommand(
  program: Command,
  name: CommandName,
  description: string,
  host: { data?: boolean; out?: string } = {},
): Command {
  const cmd = program.command(name).description(description).argument('<model>', MODEL_HELP);
  addCommandFlags(cmd, name);
  if (host.data) cmd.option('--data <path>', DATA_HELP);
  if (host.out) cmd.option('--out <dir>', host.out);
  return cmd.option('--json', 'print the report object');
}

/** The end of a command: save to --out (when given), print the report, say where it went. */
export async function saveAndPrint(
  report: Report,
  flags: { out?: string; json?: boolean },
  save: (dir: string) => Promise<unknown>,
  saved = '',
): Promise<void> {
  if (flags.out) await save(flags.out);
  printReport(report, flags.json);
  if (flags.out && !flags.json) console.log(`saved to ${flags.out}${saved}`);
}
