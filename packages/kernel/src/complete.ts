/**
 * Tab completion inside a magic line, from the magic's commander declaration:
 * flags (`--sp` → `--sparsity`), enumerated flag values (`--method ` → magnitude…)
 * and operands from the notebook's variables of the right type — models for a
 * model argument or flag, datasets for a data flag. The operand's type is read
 * from its declaration's description ('Dataset variable…', 'model variable', 'variable holding…').
 */
import type { Argument, Option } from 'commander';
import { command, findMagic, type Magic } from './magics/index.js';
import { isDataset, isModel } from './magics/operands.js';

export interface Completion {
  matches: string[];
  start: number;
  end: number;
}

type Operand = 'model' | 'data' | undefined;

function operandOf(description: string): Operand {
  if (/Dataset variable/.test(description)) return 'data';
  if (/model variable|variable holding/.test(description)) return 'model';
  return undefined;
}

/** The choices a flag's parser accepts (declared with core's oneOf), if it enumerates them. */
function choicesOf(o: Option): readonly string[] {
  return o.argChoices ?? (o.parseArg as { choices?: readonly string[] } | undefined)?.choices ?? [];
}

function variables(locals: Record<string, unknown>, kind: Operand): string[] {
  if (!kind) return [];
  const test = kind === 'model' ? isModel : isDataset;
  return Object.keys(locals).filter((k) => !k.startsWith('whittle') && test(locals[k]));
}

/**
 * Completes `line` (a magic line up to the cursor, e.g. `%prune ref --sp`); `offset` is where the
 * line starts in the cell. Undefined when the line is not a known magic's arguments.
 */
export function completeMagic(line: string, offset: number, locals: Record<string, unknown>): Completion | undefined {
  const m = /^(\s*(?:(?:const|let|var)\s+[A-Za-z_$][\w$]*\s*=\s*)?)(%%?)([A-Za-z_]\w*)\s+/.exec(line);
  if (!m) return undefined;
  const magic = findMagic(m[3]!, m[2] === '%%' ? 'cell' : 'line');
  if (!magic) return undefined;
  const rest = line.slice(m[0].length);
  const restStart = offset + m[0].length;
  // %time / %timeit wrap a magic: complete the inner one
  if (magic.raw) {
    const inner = /^(?:-\w\s+\S+\s+)*(?=%)/.exec(rest);
    return inner ? completeMagic(rest.slice(inner[0].length), restStart + inner[0].length, locals) : undefined;
  }
  const words = rest.split(/\s+/);
  const word = words.at(-1)!;
  const previous = words.at(-2);
  const start = offset + line.length - word.length;
  const end = offset + line.length;
  const result = (candidates: string[]) => ({ matches: candidates.filter((c) => c.startsWith(word)).sort(), start, end });
  const cmd = command(magic);
  const option = previous?.startsWith('-') ? cmd.options.find((o) => o.long === previous || o.short === previous) : undefined;
  if (option && (option.required || option.optional)) {
    const choices = choicesOf(option);
    return result(choices.length ? [...choices] : variables(locals, operandOf(option.description)));
  }
  if (word.startsWith('-')) return result(flags(cmd.options));
  // a positional operand: which one is it (words before it that are not flags or flag values)?
  return result(variables(locals, operandOf(positional(magic, cmd.options, words.slice(0, -1)))));
}

function flags(options: readonly Option[]): string[] {
  return options.map((o) => o.long ?? o.short!).filter(Boolean);
}

function positional(magic: Magic, options: readonly Option[], before: string[]): string {
  let index = 0;
  for (let i = 0; i < before.length; i++) {
    const o = before[i]!.startsWith('-') ? options.find((x) => x.long === before[i] || x.short === before[i]) : undefined;
    if (o) {
      if (o.required || o.optional) i++;
    } else if (before[i]) index++;
  }
  const args: readonly Argument[] = command(magic).registeredArguments;
  const arg = args[Math.min(index, args.length - 1)];
  return arg?.description ?? '';
}
