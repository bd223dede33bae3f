import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { launch } from '../test/lab/browser.js';
import { buildPage } from '../test/page/build.js';
import { REPORT_MIME } from '@whittle/report';
import { fmt, range, type Benchmark } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const kB = (bytes: number) => `${fmt(bytes / 1024)} kB`;

/** Every Whittle report output saved in the tutorials: real reports from real runs. */
function tutorialOutputs(): unknown[] {
  const dir = join(root, 'notebooks');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.ipynb'))
    .sort()
    .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { cells: { outputs?: { data?: object }[] }[] }).cells)
    .flatMap((c) => c.outputs ?? [])
    .filter((o) => o.data && REPORT_MIME in o.data);
}

export const rendererBench: Benchmark = {
  name: 'renderer',
  title: 'The JupyterLab renderer',
  description:
    'Every Whittle report saved in the six tutorials, shown by JupyterLab’s OutputArea with Whittle’s renderer in headless Chromium (the server-free page of test/lab): time from navigation until every report has drawn all its plots. And the size of the prebuilt extension, whose plotly chunk is fetched only when a report is first shown.',
  run: async ({ quick, log }) => {
    const outputs = tutorialOutputs();
    const dir = mkdtempSync(join(tmpdir(), 'whittle-bench-renderer-'));
    const { browser, close } = await launch();
    try {
      const url = await buildPage(dir, outputs);
      const runs = quick ? 1 : 5;
      const times: number[] = [];
      let plots = 0;
      for (let i = 0; i < runs; i++) {
        const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
        await page.goto(url);
        await page.waitForFunction(
          (n) => {
            const views = [...document.querySelectorAll('.jp-WhittleReport')];
            return (
              views.length === n &&
              // plotly draws two svg.main-svg per plot: ask that each plot has one
              views.every((v) => [...v.querySelectorAll('.jp-WhittleReport-plot')].every((p) => p.querySelector('svg.main-svg')))
            );
          },
          outputs.length,
          { timeout: 120_000, polling: 20 },
        );
        times.push(await page.evaluate(() => performance.now()));
        plots = await page.locator('.jp-WhittleReport-plot').count();
        log(`run ${i + 1}: ${fmt(times.at(-1)!)} ms`);
        await page.close();
      }
      times.sort((a, b) => a - b);
      const t = { median: times[times.length >> 1]!, min: times[0]!, max: times.at(-1)! };

      const staticDir = join(root, 'packages/jupyterlab/labextension/static');
      const files = readdirSync(staticDir).filter((f) => f.endsWith('.js'));
      const size = (f: string) => statSync(join(staticDir, f)).size;
      const gz = (f: string) => gzipSync(readFileSync(join(staticDir, f))).length;
      const total = files.reduce((n, f) => n + size(f), 0);
      const totalGz = files.reduce((n, f) => n + gz(f), 0);
      // The largest chunk is plotly's core (lib/core plus its d3 parts); test/lab/lab.test.ts checks it loads only with the first report.
      const plotly = [...files].sort((a, b) => size(b) - size(a))[0]!;
      const remote = files.find((f) => f.startsWith('remoteEntry'))!;
      return {
        figures: [
          { name: 'all tutorial reports drawn ms', value: t.median, unit: 'ms', min: t.min, max: t.max, runs },
          { name: 'reports', value: outputs.length, unit: 'count' },
          { name: 'plots', value: plots, unit: 'count' },
          { name: 'extension js bytes', value: total, unit: 'bytes' },
          { name: 'extension js gzip bytes', value: totalGz, unit: 'bytes' },
          { name: 'plotly chunk bytes', value: size(plotly), unit: 'bytes' },
        ],
        table: {
          columns: ['measure', 'value'],
          rows: [
            [`${outputs.length} reports (${plots} plots) from the tutorials, navigation → all drawn, ms`, range(t)],
            ['per report, ms', fmt(t.median / outputs.length)],
            ['prebuilt extension, all JavaScript', `${kB(total)} (gzip ${kB(totalGz)})`],
            ['… remoteEntry (loaded with JupyterLab)', `${kB(size(remote))} (gzip ${kB(gz(remote))})`],
            ['… largest chunk, plotly core (fetched with the first report, not at start)', `${kB(size(plotly))} (gzip ${kB(gz(plotly))})`],
          ],
        },
        notes: ['The page bundles plotly up front (esbuild, one file), so the timing includes parsing it but no network fetch.'],
      };
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
