/**
 * Runs one cell: code segments through the tslab session, magic segments
 * through their declarations. A magic error is a Jupyter error (UsageError,
 * NameError, TypeError, or core's one-line message) — never a dead kernel.
 */
import { toMimeBundle, validateReport, type Report } from '@whittle/report';
import { findMagic, help, parseArgs, MagicTypeError, NameError, UsageError, type MagicContext, type MagicResult } from './magics/index.js';
import type { Session, Outcome } from './session.js';
import { isModel } from './magics/operands.js';
import { plainText } from './plain.js';
import { splitCell, type Segment } from './rewrite.js';

export interface CellIO {
  stream(name: 'stdout' | 'stderr', text: string): void;
  display(data: Record<string, unknown>, displayId?: string, update?: boolean): void;
  interrupted(): boolean;
}

export interface CellResult {
  ok: boolean;
  /** MIME bundle of the cell's value (execute_result). */
  result?: Record<string, unknown>;
  error?: { ename: string; evalue: string; traceback: string[] };
  /** Pager payload (help for `%name?`). */
  page?: string;
}

/** A value as a MIME bundle: Whittle reports get the rich bundle, everything else text. */
export function bundleOf(value: unknown): Record<string, unknown> {
  if (value && typeof value === 'object' && 'kind' in value && 'version' in value) {
    const v = validateReport(value);
    if (v.ok) return toMimeBundle(v.report);
  }
  return { 'text/plain': plainText(value) };
}

let bindCounter = 0;

/** Runs code and magics in order; the outcome is the last segment's (a value, or the first error). */
export async function runSource(session: Session, code: string, io: CellIO, typesAvailable: boolean): Promise<Outcome & { page?: string }> {
  const segments = splitCell(code, (c) => session.isCompleteCode(c).completed);
  let last: Outcome & { page?: string } = { ok: true, hasValue: false };
  for (const seg of segments) {
    last = seg.kind === 'code' ? await session.execute(seg.code) : await runMagic(session, seg, io, typesAvailable);
    if (!last.ok) return last;
  }
  return last;
}

export async function runCell(session: Session, code: string, io: CellIO, typesAvailable: boolean): Promise<CellResult> {
  const o = await runSource(session, code, io, typesAvailable);
  if (!o.ok) return { ok: false, error: o.error };
  return { ok: true, result: o.hasValue ? bundleOf(o.value) : undefined, page: o.page };
}

/** Output of magics timed by %timeit goes nowhere (as in IPython); interrupts still reach them. */
const quietly = (io: CellIO): CellIO => ({ stream: () => {}, display: () => {}, interrupted: () => io.interrupted() });

async function runMagic(
  session: Session,
  seg: Extract<Segment, { kind: 'magic' }>,
  io: CellIO,
  typesAvailable: boolean,
): Promise<Outcome & { page?: string }> {
  const prefix = seg.magicKind === 'cell' ? '%%' : '%';
  const magic = findMagic(seg.name, seg.magicKind);
  try {
    if (!magic) throw new UsageError(`${prefix}${seg.name} is not a magic; %lsmagic lists them`);
    if (seg.help) {
      // the pager payload is dropped by nbconvert, so the help is printed as well
      io.stream('stdout', `${help(magic)}\n`);
      return { ok: true, hasValue: false, page: help(magic) };
    }
    const { args, opts } = parseArgs(magic, seg.args);
    const displayId = `whittle-progress-${Date.now()}-${Math.random().toString(36).slice(2)}`;
    let shown = false;
    let lastProgress = '';
    const ctx: MagicContext = {
      lookup: (name) => {
        if (!(name in session.locals)) throw new NameError(`name '${name}' is not defined`);
        return session.locals[name];
      },
      progress: (text) => {
        io.display({ 'text/plain': text }, displayId, shown);
        shown = true;
        lastProgress = text;
      },
      checkInterrupt: () => {
        if (io.interrupted()) throw Object.assign(new Error('interrupted; the model is unchanged'), { name: 'KeyboardInterrupt' });
      },
      // code with magics in it (`%time %prune …`) runs through this runner, plain code straight through tslab
      execute: (code, options) => runSource(session, code, options?.quiet ? quietly(io) : io, typesAvailable),
      hasMagic: (code) => splitCell(code, (c) => session.isCompleteCode(c).completed).some((s) => s.kind === 'magic'),
      print: (text) => io.stream('stdout', `${text}\n`),
    };
    const result: MagicResult = await magic.run(ctx, args, opts, seg.body);
    if (shown) io.display({ 'text/plain': `${lastProgress} — done` }, displayId, true);
    const bindTo = seg.bind ?? (opts.as as string | undefined);
    if (bindTo !== undefined && result.value !== undefined)
      await bind(session, bindTo, result.value, typesAvailable ? result.valueType : undefined);
    if (result.text) io.stream('stdout', `${result.text}\n`);
    // A magic that displays its report does not also echo its value.
    if (result.report) {
      io.display(toMimeBundle(titled(result.report as Report, args[0], session.locals, bindTo)));
      return { ok: true, hasValue: false };
    }
    const echo = result.value !== undefined && bindTo === undefined;
    return { ok: true, hasValue: echo, value: echo ? result.value : undefined };
  } catch (err) {
    const e = err as Error;
    const ename =
      e instanceof UsageError || e instanceof NameError || e instanceof MagicTypeError
        ? e.name
        : e.name === 'WhittleError'
          ? 'WhittleError'
          : e.name || 'Error';
    const evalue = e.message ?? String(err);
    return { ok: false, hasValue: false, error: { ename, evalue, traceback: [`${ename}: ${evalue}`] } };
  }
}

/**
 * A report's title names the notebook variables, as the magic line did: `q8 = ref: 8-bit quantization
 * of lenet-5` for `%quantize ref --as q8` (the operand when it is a model, the variable bound to).
 */
export function titled(report: Report, operand: string | undefined, locals: Record<string, unknown>, bindTo?: string): Report {
  if (typeof (report as { title?: unknown }).title !== 'string') return report;
  const model = operand === undefined ? undefined : locals[operand];
  const source = isModel(model) && model.name !== operand ? `${operand}: ` : '';
  const target = bindTo ? `${bindTo}${source ? ' = ' : ': '}` : '';
  return { ...report, title: `${target}${source}${(report as { title: string }).title}` } as Report;
}

/** Binds a value to a notebook variable through real TypeScript, so later cells know its type. */
async function bind(session: Session, name: string, value: unknown, type: string | undefined): Promise<void> {
  if (!/^[A-Za-z_$][\w$]*$/.test(name) || name.startsWith('__'))
    throw new UsageError(`cannot bind to '${name}': use a plain identifier not starting with __`);
  const key = `whittleBound${bindCounter++}`;
  (globalThis as Record<string, unknown>)[key] = value;
  const r = await session.execute(`const ${name}${type ? `: ${type}` : ''} = (globalThis as any).${key};`);
  delete (globalThis as Record<string, unknown>)[key];
  if (!r.ok) throw new UsageError(`could not bind '${name}': ${r.error?.evalue ?? 'unknown error'}`);
}
