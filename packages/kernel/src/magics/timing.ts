/** %time, %%time and %timeit, as IPython users expect them. */
import { InvalidArgumentError } from 'commander';
import { UsageError, type Magic, type MagicContext } from './registry.js';

const ms = (t: number) => (t >= 1000 ? `${(t / 1000).toFixed(2)} s` : t >= 1 ? `${t.toFixed(2)} ms` : `${(t * 1000).toFixed(1)} µs`);

const failure = (r: { error?: { ename: string; evalue: string } }) =>
  Object.assign(new Error(r.error?.evalue ?? 'failed'), { name: r.error?.ename ?? 'Error' });

async function timed(ctx: MagicContext, code: string) {
  if (!code.trim()) throw new UsageError('nothing to time; usage: %time <statement>');
  const t0 = performance.now();
  const r = await ctx.execute(code);
  const elapsed = performance.now() - t0;
  if (!r.ok) throw failure(r);
  ctx.print(`Wall time: ${ms(elapsed)}`);
  return r;
}

export const timeMagic: Magic = {
  name: 'time',
  kind: 'line',
  example: '%time %prune model --sparsity 0.5',
  group: 'timing',
  summary: 'Run a statement once and print its wall time.',
  raw: true,
  define: (cmd) => cmd.argument('[statement...]', 'TypeScript to run'),
  run: async (ctx, [text]) => {
    const r = await timed(ctx, text ?? '');
    return r.hasValue ? { value: r.value, text: undefined } : {};
  },
};

export const cellTimeMagic: Magic = {
  name: 'time',
  kind: 'cell',
  example: '%%time\nconst pruned = %prune model --sparsity 0.8\npruned.countParams()',
  group: 'timing',
  summary: 'Run the cell once and print its wall time.',
  define: (cmd) => cmd,
  run: async (ctx, _args, _opts, body) => {
    const r = await timed(ctx, body);
    return r.hasValue ? { value: r.value } : {};
  },
};

const positiveInt = (flag: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${flag} must be a positive integer`);
  return n;
};

/** Plain code: compiled once into a function, then calls of it are timed (compiling per run would time the compiler). */
async function compiled(ctx: MagicContext, code: string): Promise<() => Promise<unknown>> {
  const def = await ctx.execute(`(globalThis as any).whittleTimeitBody = async () => { ${code}\n};`);
  if (!def.ok) throw failure(def);
  return (globalThis as unknown as { whittleTimeitBody: () => Promise<unknown> }).whittleTimeitBody;
}

/** A magic (`%timeit %evaluate m`): each loop runs it through the magic runner, its output dropped as IPython does. */
function magicRunner(ctx: MagicContext, code: string): () => Promise<unknown> {
  return async () => {
    const r = await ctx.execute(code, { quiet: true });
    if (!r.ok) throw failure(r);
  };
}

export const timeitMagic: Magic = {
  name: 'timeit',
  kind: 'line',
  example: '%timeit -n 5 -r 3 %evaluate model',
  group: 'timing',
  summary: 'Time a statement over many runs: mean ± std of r repeats of n loops.',
  raw: true,
  define: (cmd) =>
    cmd
      .option('-n <n>', 'loops per repeat', positiveInt('-n'), 10)
      .option('-r <r>', 'repeats', positiveInt('-r'), 5)
      .argument('[statement...]', 'TypeScript to time'),
  run: async (ctx, [text], opts) => {
    // -n / -r are parsed from the declaration above (parseArgs); the statement arrives verbatim
    const n = opts.n as number;
    const r = opts.r as number;
    const code = text ?? '';
    if (!code.trim()) throw new UsageError('nothing to time; usage: %timeit [-n N] [-r R] <statement>');
    const fn = ctx.hasMagic(code) ? magicRunner(ctx, code) : await compiled(ctx, code);
    const perLoop: number[] = [];
    for (let i = 0; i < r; i++) {
      const t0 = performance.now();
      for (let j = 0; j < n; j++) await fn();
      perLoop.push((performance.now() - t0) / n);
      ctx.checkInterrupt();
    }
    const mean = perLoop.reduce((a, b) => a + b, 0) / r;
    const std = Math.sqrt(perLoop.reduce((a, b) => a + (b - mean) ** 2, 0) / r);
    return { text: `${ms(mean)} ± ${ms(std)} per loop (mean ± std. dev. of ${r} runs, ${n} loops each)` };
  },
};
