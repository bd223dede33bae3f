/**
 * A TypeScript session built from tslab's own parts (its converter and
 * executor), so the last expression's value and every error reach Whittle as
 * data instead of text on stdout.
 */
import { createRequire } from 'node:module';
import { format } from 'node:util';

const require = createRequire(import.meta.url);

/**
 * Interrupts are cooperative. tslab runs a cell's synchronous part with vm's
 * `breakOnSigint`, which terminates JavaScript wherever it is, skipping every
 * `finally`: inside tfjs that leaves its scope and name-scope stacks pushed, and
 * every model built afterwards gets mangled weight names (found by
 * test/kernel/stress.py). Without it, SIGINT reaches the kernel's handler
 * between tasks: awaited work ends at once and Whittle's loops stop at their
 * next step; a synchronous endless loop needs a kernel restart.
 */
function cooperativeInterrupts(): void {
  const vm = require('node:vm') as typeof import('node:vm') & { whittleCooperative?: true };
  if (vm.whittleCooperative) return;
  const run = vm.runInThisContext;
  vm.runInThisContext = (code: string, options?: import('node:vm').RunningScriptOptions | string) =>
    run(code, typeof options === 'object' ? { ...options, breakOnSigint: false } : options);
  vm.whittleCooperative = true;
}

interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  inspect(src: string, position: number): unknown;
  complete(src: string, position: number): { start: number; end: number; candidates: string[] };
  interrupt(): void;
  close(): void;
  locals: Record<string, unknown>;
}

export interface Outcome {
  ok: boolean;
  /** The value of the cell's last expression, when it has one. */
  value?: unknown;
  hasValue: boolean;
  /** What failed: an Error thrown by the code, or compile diagnostics. */
  error?: { ename: string; evalue: string; traceback: string[] };
}

export class Session {
  private readonly executor: TslabExecutor;
  private readonly printQuickInfo: (info: unknown) => string;
  readonly isCompleteCode: (code: string) => { completed: boolean; indent?: string };
  private captured: { values: unknown[]; errors: unknown[][] } = { values: [], errors: [] };

  constructor(rootDir = process.cwd()) {
    const { createConverter, isCompleteCode } = require('tslab/dist/converter');
    const { createExecutor } = require('tslab/dist/executor');
    cooperativeInterrupts();
    this.printQuickInfo = require('tslab/dist/inspect').printQuickInfo;
    this.isCompleteCode = isCompleteCode;
    let node: unknown;
    const convs = {
      get node() {
        node ??= createConverter({ isJS: false, isBrowser: false });
        return node;
      },
      get browser() {
        return this.node;
      },
      close: () => (node as { close(): void } | undefined)?.close(),
    };
    void convs.node; // warm the TypeScript converter now, not in the first cell
    this.executor = createExecutor(rootDir, convs, {
      log: (value: unknown) => this.captured.values.push(value),
      error: (...args: unknown[]) => this.captured.errors.push(args),
    });
  }

  /** The notebook's top-level variables. */
  get locals(): Record<string, unknown> {
    return this.executor.locals;
  }

  async execute(code: string): Promise<Outcome> {
    this.captured = { values: [], errors: [] };
    const ok = await this.executor.execute(code);
    const { values, errors } = this.captured;
    if (ok) return { ok, hasValue: values.length > 0, value: values.at(-1) };
    return { ok, hasValue: false, error: describeErrors(errors) };
  }

  inspect(code: string, cursor: number): string | undefined {
    const info = this.executor.inspect(code, cursor);
    return info ? this.printQuickInfo(info) : undefined;
  }

  complete(code: string, cursor: number) {
    return this.executor.complete(code, cursor);
  }

  interrupt(): void {
    this.executor.interrupt();
  }

  close(): void {
    this.executor.close();
  }
}

function describeErrors(errors: unknown[][]): Outcome['error'] {
  const thrown = errors.find((args) => args.length === 1 && args[0] instanceof Error)?.[0] as Error | undefined;
  // tslab gives up on an interrupted cell with this error; the work behind it stops at its next step (core's interruptWork)
  if (thrown?.message === 'Interrupted asynchronously')
    return { ename: 'KeyboardInterrupt', evalue: 'interrupted', traceback: ['KeyboardInterrupt: interrupted'] };
  // Whittle's own errors are about the caller's arguments (like IPython's UsageError): the one-line message, no frames
  if (thrown?.name === 'WhittleError' || thrown?.name === 'KeyboardInterrupt')
    return { ename: thrown.name, evalue: thrown.message, traceback: [`${thrown.name}: ${thrown.message}`] };
  if (thrown) {
    return {
      ename: thrown.name || 'Error',
      evalue: thrown.message,
      traceback: (thrown.stack ?? `${thrown.name}: ${thrown.message}`).split('\n'),
    };
  }
  if (errors.length === 1 && errors[0]!.length === 1 && !(errors[0]![0] instanceof Error)) {
    const v = errors[0]![0];
    return { ename: 'Error', evalue: String(v), traceback: [`Uncaught ${String(v)}`] };
  }
  const lines = errors.map((args) => format(...(args as [unknown, ...unknown[]])));
  return { ename: 'CompileError', evalue: lines[0] ?? 'compile error', traceback: lines };
}
