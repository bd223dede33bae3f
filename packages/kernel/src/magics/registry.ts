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
  /** Runs TypeScript, magic lines among it, in the notebook (for %time / %timeit); `quiet` drops its output. */
  execute(
    code: string,
    options?: { quiet?: boolean },
  ): Promise<{ ok: boolean; value?: unknown; hasValue: boolean; error?: { ename: string; evalue: string } }>;
  /** True when the code contains a magic line (then %timeit runs it through the magic runner each loop). */
  hasMagic(code: string): boolean;
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
  /** One example invocation, shown at the end of `%name?` (a test parses every example). */
  example: string;
  /**
   * Takes its argument text verbatim (TypeScript for %time/%timeit), not shell-split:
   * only leading words that are declared options (and their values) are parsed.
   */
  raw?: boolean;
  define(cmd: Command): Command;
  run(ctx: MagicContext, args: string[], opts: Record<string, unknown>, body: string): Promise<MagicResult>;
}

/** The magic's commander declaration (fresh each call: parsing mutates it). */
export function command(magic: Magic): Command {
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
  return `${command(magic).helpInformation().trimEnd()}\n\nExample:\n  ${magic.example.replace(/\n/g, '\n  ')}`;
}

/** Splits an argument string like a shell (quotes keep spaces). */
export function tokenize(text: string): string[] {
  return shellParse(text).map((t) => {
    if (typeof t === 'string') return t;
    if ('op' in t && t.op === 'glob') return t.pattern;
    throw new UsageError(`unexpected '${'op' in t ? t.op : String(t)}' in magic arguments; quote it`);
  });
}

/**
 * A raw magic's leading declared options (`-n 5 -r 3 <statement>`) split off its
 * verbatim rest: words are taken while they are one of the declaration's flags,
 * so the statement itself (`-x + 1`, quotes, `|`) is never shell-parsed.
 */
function splitRaw(cmd: Command, text: string): { words: string[]; rest: string } {
  const takesValue = new Map(cmd.options.flatMap((o) => [o.short, o.long].filter(Boolean).map((f) => [f!, o.required || o.optional])));
  const words: string[] = [];
  let rest = text;
  for (;;) {
    const flag = /^\s*(\S+)/.exec(rest);
    if (!flag || !takesValue.has(flag[1]!)) break;
    const value = takesValue.get(flag[1]!) ? /^\s*\S+\s+(\S+)/.exec(rest) : undefined;
    if (value === null) break; // a flag without its value: leave it to the statement
    words.push(flag[1]!, ...(value ? [value[1]!] : []));
    rest = rest.slice((value ?? flag)[0].length);
  }
  return { words, rest };
}

/** Parses arguments per the declaration; a mistake is a one-line UsageError with the usage. */
export function parseArgs(magic: Magic, text: string): { args: string[]; opts: Record<string, unknown> } {
  const cmd = command(magic);
  const raw = magic.raw ? splitRaw(cmd, text) : undefined;
  let args: string[] = [];
  cmd.action((...a: unknown[]) => {
    args = a
      .slice(0, -2)
      .flat()
      .filter((x) => typeof x === 'string') as string[];
  });
  try {
    cmd.parse(raw ? raw.words : tokenize(text), { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) throw new UsageError(`${err.message.replace(/^error: /, '')}\nusage: ${usage(magic)}`);
    throw err;
  }
  return { args: raw ? [raw.rest] : args, opts: cmd.opts() };
}
