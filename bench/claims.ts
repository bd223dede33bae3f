/**
 * The numbers the top-level README.md states, rendered from bench/results/*.json
 * (and references.ts) into the README between `<!-- bench:NAME -->` and
 * `<!-- /bench -->` markers, so no figure there is typed in by hand.
 * `npm run bench` re-renders them after every full run; `npm run bench -- --render`
 * re-renders from the saved results without measuring anything.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { format, resolveConfig } from 'prettier';
import { ACCURACY } from './references.js';

interface Saved {
  name: string;
  figures: { name: string; value: number; unit: string; runs?: number }[];
  table: { columns: string[]; rows: (string | number)[][] };
}

const pct = (v: number, digits = 2) => `${(v * 100).toFixed(digits)} %`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Each claim: the results it reads, and the text it renders. */
const CLAIMS: Record<string, (r: (name: string) => Saved, figure: (bench: string, name: string) => number) => string> = {
  demo: (r) => {
    const t = r('demo').table;
    return [
      `| ${t.columns.join(' | ')} |`,
      `|${t.columns.map(() => '---').join('|')}|`,
      ...t.rows.map((row) => `| ${row.join(' | ')} |`),
    ].join('\n');
  },
  'global-prune-25m': (_, f) => `25 M weights in ${seconds(f('toolkit-speed', '25M global prune ms'))}`,
  'refit-lenet5-90': (_, f) =>
    `LeNet-5 global 90 %: ${pct(f('prune-quality', 'lenet-5 global 0.9 one-shot (none)'), 1)} → ${pct(f('prune-quality', 'lenet-5 global 0.9 one-shot (least-squares)'), 1)}`,
  'lowrank-lenet300': (_, f) =>
    `${f('dimensions', 'lenet-300-100 svd energy 0.8 params fewer').toFixed(2)}× fewer parameters, ${pct(f('dimensions', 'lenet-300-100 svd energy 0.8 fine-tuned accuracy'))}`,
  'sensitivity-lenet5': (_, f) => `${seconds(f('sensitivity', 'prune sweep seconds') * 1000)} for LeNet-5 × 10 levels`,
  baselines: (r) => {
    const rows = r('baseline').table.rows;
    const torch = ACCURACY.values as Record<string, { torch: number }>;
    return [
      '| model | params | epochs | test accuracy | PyTorch reference (same split, 10 epochs) |',
      '|---|---|---|---|---|',
      ...rows.map(([name, params, epochs, accuracy]) => {
        const ref = torch[String(name)];
        return `| ${name} | ${params} | ${epochs} | ${String(accuracy).replace('%', ' %')} | ${ref ? pct(ref.torch) : '–'} |`;
      }),
    ].join('\n');
  },
  renderer: (_, f) =>
    `${f('renderer', 'reports')} tutorial reports drawn in ${seconds(f('renderer', 'all tutorial reports drawn ms'))}, median of ${f('renderer', 'runs')} runs`,
};

/** Rewrites every `<!-- bench:NAME -->…<!-- /bench -->` block of `readme` from the results in `resultsDir`. */
export async function renderClaims(readme: string, resultsDir: string): Promise<void> {
  const cache = new Map<string, Saved>();
  const results = (name: string) => {
    if (!cache.has(name)) cache.set(name, JSON.parse(readFileSync(`${resultsDir}/${name}.json`, 'utf8')) as Saved);
    return cache.get(name)!;
  };
  const figure = (bench: string, name: string) => {
    const saved = results(bench);
    if (name === 'runs') return saved.figures.find((f) => f.runs)?.runs ?? NaN;
    const hit = saved.figures.find((f) => f.name === name);
    if (!hit) throw new Error(`claims: bench/results/${bench}.json has no figure '${name}'`);
    return hit.value;
  };
  const text = readFileSync(readme, 'utf8');
  const out = text.replace(/<!-- bench:([\w-]+) -->([\s\S]*?)<!-- \/bench -->/g, (_, name: string) => {
    const claim = CLAIMS[name];
    if (!claim) throw new Error(`claims: README marker '${name}' has no renderer in bench/claims.ts`);
    const body = claim(results, figure);
    return body.includes('\n') ? `<!-- bench:${name} -->\n\n${body}\n\n<!-- /bench -->` : `<!-- bench:${name} -->${body}<!-- /bench -->`;
  });
  writeFileSync(readme, await format(out, { ...(await resolveConfig(readme)), parser: 'markdown', filepath: readme }));
}
