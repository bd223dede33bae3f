/**
 * Magics are declared once, as data: name, arguments (a commander definition),
 * doc and run. The parser, the usage line in errors and `%name?` help are all
 * generated from that declaration, so they cannot drift apart.
 */
import { Command, CommanderError } from 'commander';
import { parse as shellParse } from 'shell-quote';
import type { Report } from '@whittle/report';

export class UsageError extends Error {
  override name = 'UsageError';
}
export class NameError extends Error {
  override name = 'NameError';
}
export class MagicTypeError extends Error {
  override name = 'TypeError';
}

export interface MagicContext {
  /** A notebook variable by name (NameError if it does not exist). */
  lookup(name: string): unknown;
  /** Shows a live-updating progress line under the cell. */
  progress(text: string): void;
  /** Throws if the user interrupted the kernel (long magics call it from their progress callbacks). */
  checkInterrupt(): void;
  /** Runs TypeScript in the notebook (for %time / %timeit). */
  execute(code: string): Promise<{ ok: boolean; value?: unknown; hasValue: boolean; error?: { ename: string; evalue: string } }>;
  print(text: string): void;
}

export interface MagicResult {
  /** Displayed as a Whittle report bundle. */
  report?: Report;
  /** Plain text output. */
  text?: string;
  /** What `--as name` / `const name = %magic` binds, with its TypeScript type. */
  value?: unknown;
  valueType?: string;
}

export interface Magic {
  name: string;
  /** 'line': %name args; 'cell': %%name args + body. */
  kind: 'line' | 'cell';
  group: 'compression' | 'analysis' | 'timing' | 'help';
  summary: string;
  /** Takes its argument text verbatim (TypeScript for %time/%timeit), not shell-split. */
  raw?: boolean;
  define(cmd: Command): Command;
  run(ctx: MagicContext, args: string[], opts: Record<string, unknown>, body: string): Promise<MagicResult>;
}

function command(magic: Magic): Command {
  const cmd = new Command(`${magic.kind === 'cell' ? '%%' : '%'}${magic.name}`)
    .description(magic.summary)
    .exitOverride()
    .configureOutput({ writeOut: () => {}, writeErr: () => {} })
    .helpOption(false)
    .allowExcessArguments(false);
  return magic.define(cmd);
}

export function usage(magic: Magic): string {
  return command(magic)
    .helpInformation()
    .split('\n')[0]!
    .replace(/^Usage: /, '');
}

/** The `%name?` help text. */
export function help(magic: Magic): string {
  return command(magic).helpInformation().trimEnd();
}

/** Splits an argument string like a shell (quotes keep spaces). */
export function tokenize(text: string): string[] {
  return shellParse(text).map((t) => {
    if (typeof t === 'string') return t;
    if ('op' in t && t.op === 'glob') return t.pattern;
    throw new UsageError(`unexpected '${'op' in t ? t.op : String(t)}' in magic arguments; quote it`);
  });
}

/** Parses arguments per the declaration; a mistake is a one-line UsageError with the usage. */
export function parseArgs(magic: Magic, text: string): { args: string[]; opts: Record<string, unknown> } {
  if (magic.raw) return { args: [text], opts: {} };
  const cmd = command(magic);
  let args: string[] = [];
  cmd.action((...a: unknown[]) => {
    args = a
      .slice(0, -2)
      .flat()
      .filter((x) => typeof x === 'string') as string[];
  });
  try {
    cmd.parse(tokenize(text), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new UsageError(`${err.message.replace(/^error: /, '')}\nusage: ${usage(magic)}`);
    throw err;
  }
  return { args, opts: cmd.opts() };
}
