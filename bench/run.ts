/**
 * `npm run bench [-- NAME …] [--quick]`: runs benchmarks, writes
 * bench/results/NAME.json and regenerates the tables in bench/README.md.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo, initBackend } from '@whittle/core';
import { machine, type Benchmark, type BenchResult } from './harness.js';
import { BENCHMARKS } from './benchmarks.js';
import { renderClaims } from './claims.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Saved extends BenchResult {
  name: string;
  title: string;
  description: string;
  date: string;
  quick: boolean;
  backend: string;
  machine: ReturnType<typeof machine>;
  seconds: number;
}

function renderReadme(resultsDir: string): void {
  const saved = readdirSync(resultsDir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(join(resultsDir, f), 'utf8')) as Saved)
    .sort((a, b) => BENCHMARKS.findIndex((x) => x.name === a.name) - BENCHMARKS.findIndex((x) => x.name === b.name));
  const cell = (v: string | number) => String(v).replace(/\|/g, '\\|');
  const sections = saved.map((s) =>
    [
      `## ${s.title}`,
      '',
      s.description,
      '',
      `| ${s.table.columns.map(cell).join(' | ')} |`,
      `|${s.table.columns.map(() => '---').join('|')}|`,
      ...s.table.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
      '',
      ...(s.notes ?? []).map((n) => `- ${n}`),
      `- measured ${s.date.slice(0, 10)} on ${s.machine.cores} × ${s.machine.cpu}, Node ${s.machine.node}, backend ${s.backend}${s.machine.loadAverage !== undefined && s.machine.loadAverage > s.machine.cores ? ` (shared: load average ${s.machine.loadAverage} on ${s.machine.cores} cores, so absolute times are inflated)` : ''}${s.quick ? ', **quick mode** (CI smoke run: fewer repeats, smaller workloads)' : ''}; ${s.seconds.toFixed(0)} s; raw figures in [results/${s.name}.json](results/${s.name}.json)`,
      '',
    ].join('\n'),
  );
  const header = [
    '# Benchmarks',
    '',
    'Produced by `npm run bench` (all) or `npm run bench -- NAME` (one; `--quick` for the short CI mode).',
    'References are PyTorch 1.13 and plain TensorFlow.js 4.22 measured on these machines with the same MNIST split',
    '(bench/references.ts, with the tool, version, machine and protocol of each table). Timings are medians with min–max of repeated runs.',
    '',
  ].join('\n');
  writeFileSync(join(here, 'README.md'), header + '\n' + sections.join('\n'));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  if (args.includes('--render')) {
    // re-render bench/README.md and the README's claims from the saved results, measuring nothing
    renderReadme(join(here, 'results'));
    await renderClaims(join(here, '..', 'README.md'), join(here, 'results'));
    return;
  }
  const names = args.filter((a) => !a.startsWith('--'));
  const unknown = names.filter((n) => !BENCHMARKS.some((b) => b.name === n));
  if (unknown.length)
    throw new Error(`bench: unknown benchmark ${unknown.join(', ')}; choose from ${BENCHMARKS.map((b) => b.name).join(', ')}`);
  const chosen: Benchmark[] = names.length ? BENCHMARKS.filter((b) => names.includes(b.name)) : BENCHMARKS;
  // quick (CI smoke) runs never overwrite the committed results or the README tables
  const resultsDir = join(here, quick ? 'results-quick' : 'results');
  await initBackend();
  mkdirSync(resultsDir, { recursive: true });
  for (const bench of chosen) {
    console.log(`\n=== ${bench.name}${quick ? ' (quick)' : ''}: ${bench.title}`);
    const t0 = performance.now();
    const result = await bench.run({ quick, log: (l) => console.log(`  ${l}`) });
    const saved: Saved = {
      name: bench.name,
      title: bench.title,
      description: bench.description,
      date: new Date().toISOString(),
      quick,
      backend: (await backendInfo()).name,
      machine: machine(),
      seconds: (performance.now() - t0) / 1000,
      ...result,
    };
    writeFileSync(join(resultsDir, `${bench.name}.json`), JSON.stringify(saved, null, 2) + '\n');
    console.log([saved.table.columns.join(' | '), ...saved.table.rows.map((r) => r.join(' | '))].join('\n'));
  }
  if (!quick) {
    renderReadme(resultsDir);
    await renderClaims(join(here, '..', 'README.md'), resultsDir);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
