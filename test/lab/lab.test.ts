/**
 * The real thing: the test JupyterLab (JupyterLab 4 from npm packages, served
 * by Debian's jupyterlab_server, Whittle's prebuilt extension loaded through
 * module federation) in headless chromium. Opens a notebook of saved reports,
 * switches themes, opens the side panel, then runs `%prune` live on the
 * Whittle kernel in a notebook made by "New Whittle notebook".
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_KINDS } from '@whittle/report';
import { launch, reportViews, watch } from './browser.js';
import { executedNotebook } from './global-setup.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out');
// Inside the repository, so the kernel resolves @whittle/core from the workspace.
const root = join(out, 'lab-root');
const staticDir = join(here, '../../packages/jupyterlab/labextension/static');

declare global {
  interface Window {
    jupyterapp: {
      commands: { execute(id: string, args?: object): Promise<unknown>; hasCommand(id: string): boolean };
      shell: { activateById(id: string): void; currentWidget: unknown };
    };
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

async function waitForHttp(url: string, server: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (server.exitCode !== null) throw new Error(`the lab server exited (${server.exitCode}):\n${log()}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the lab server did not answer ${url} within 60 s:\n${log()}`);
}

/** Waits until every report view on the page has drawn its plots (or shows its error). */
async function allViewsDrawn(page: Page, scope = ''): Promise<void> {
  await page.waitForFunction(
    (sel) => {
      const views = [...document.querySelectorAll(`${sel} .jp-WhittleReport`)];
      return views.length > 0 && views.every((v) => v.querySelector('svg.main-svg') || v.querySelector('.jp-WhittleReport-error'));
    },
    scope,
    { timeout: 90_000 },
  );
}

/**
 * The side panel: wide enough for its titles, one plot per technique and pair of axes (never two
 * metrics on one axis), legends clear of the plots, accuracy before → after readable in its table.
 */
async function checkPanel(panel: Locator): Promise<void> {
  const seen = await panel.evaluate((node) => {
    const box = node.getBoundingClientRect();
    const inside = (r: DOMRect) => r.left >= box.left - 1 && r.right <= box.right + 1;
    const overlap = (a: DOMRect, b: DOMRect) =>
      Math.min(a.right, b.right) > Math.max(a.left, b.left) && Math.min(a.bottom, b.bottom) > Math.max(a.top, b.top);
    const rect = (f: Element, sel: string) => f.querySelector(sel)!.getBoundingClientRect();
    return {
      width: box.width,
      titlesCut: [...node.querySelectorAll('.gtitle')].filter((t) => !inside(t.getBoundingClientRect())).map((t) => t.textContent),
      plots: [...node.querySelectorAll('.jp-WhittleReport-figure')].map((f) => ({
        title: f.querySelector('.gtitle')?.textContent,
        x: f.querySelector('.xtitle')?.textContent,
        y: f.querySelector('.ytitle')?.textContent,
        legendOverPlot: overlap(rect(f, '.legend'), rect(f, '.nsewdrag')) || overlap(rect(f, '.legend'), rect(f, '.xtitle')),
      })),
      accuracy: [...node.querySelectorAll('tbody tr')]
        .map((tr) => tr.children[2]!)
        .filter((td) => /→/.test(td.textContent ?? ''))
        .map((td) => ({ text: td.textContent, visible: inside(td.getBoundingClientRect()) })),
    };
  });
  expect(seen.width).toBeGreaterThanOrEqual(480);
  expect(seen.titlesCut).toEqual([]);
  expect(seen.plots).toEqual([
    { title: 'Size vs accuracy, every run', x: 'bytes', y: 'accuracy %', legendOverPlot: false },
    { title: 'Pruning: accuracy % by sparsity %', x: 'sparsity %', y: 'accuracy %', legendOverPlot: false },
    { title: 'Quantization: accuracy % by bits', x: 'bits', y: 'accuracy %', legendOverPlot: false },
  ]);
  // the pruning and quantization runs (accuracy measured on the notebook's %data test set) are in view
  expect(seen.accuracy.length).toBeGreaterThanOrEqual(2);
  for (const a of seen.accuracy) expect(a, String(a.text)).toMatchObject({ visible: true, text: expect.stringMatching(/\d% → \d/) });
}

let server: ChildProcess;
let serverLog = '';
let base: string;
let session: Awaited<ReturnType<typeof launch>>;

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  copyFileSync(executedNotebook, join(root, 'reports.ipynb'));
  mkdirSync(join(root, '.state'));
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = spawn('bash', [join(here, 'start.sh'), root, '--ServerApp.token=', '--ServerApp.password='], {
    env: { ...process.env, WHITTLE_LAB_PORT: String(port), WHITTLE_LAB_STATE: join(root, '.state') },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server.stdout!.on('data', (d) => (serverLog += d));
  server.stderr!.on('data', (d) => (serverLog += d));
  await waitForHttp(`${base}/lab`, server, () => serverLog);
  session = await launch();
});

afterAll(async () => {
  await session?.close();
  // start.sh execs python, which starts kernels: end the whole process group.
  if (server?.pid) process.kill(-server.pid, 'SIGTERM');
});

describe('Whittle in a real JupyterLab 4', () => {
  it('renders every saved report, follows the theme, fills the side panel, and plots a live %prune', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const { problems, responses } = watch(page);
    await page.goto(`${base}/lab`);
    await page.waitForSelector('body[data-whittle-lab-ready]', { state: 'attached', timeout: 120_000 });

    // the prebuilt extension came from jupyterlab_server's labextensions handler…
    const ours = () => responses.filter((r) => r.url.includes('/lab/extensions/@whittle/jupyterlab/static/'));
    expect(ours().some((r) => /\/remoteEntry\.[0-9a-f]+\.js$/.test(r.url) && r.status === 200)).toBe(true);
    // …and plotly (its largest chunk) is fetched with the first report, not with JupyterLab
    const chunkOf = (url: string) => new URL(url).pathname.split('/').pop()!;
    const plotlyChunk = readdirSync(staticDir)
      .filter((f) => f.endsWith('.js'))
      .sort((a, b) => statSync(join(staticDir, b)).size - statSync(join(staticDir, a)).size)[0]!;
    expect(ours().map((r) => chunkOf(r.url))).not.toContain(plotlyChunk);
    await page.evaluate(() => window.jupyterapp.commands.execute('docmanager:open', { path: 'reports.ipynb' }));

    // every report kind of the saved notebook is drawn
    await allViewsDrawn(page);
    const views = await reportViews(page);
    expect(new Set(views.map((v) => v.kind))).toEqual(new Set(REPORT_KINDS));
    for (const v of views) expect(v.svgs, `${v.kind} plots`).toBeGreaterThan(0);
    expect(await page.$$eval('.jp-WhittleReport img', (imgs) => imgs.length)).toBe(0);
    expect(ours().map((r) => chunkOf(r.url))).toContain(plotlyChunk);
    // axis titles and the scale chosen from the data (pruned weights: the zero spike → log counts)
    const histogram = page.locator('.jp-WhittleReport[data-whittle-kind="histogram"]');
    expect(await histogram.locator('.xtitle').textContent()).toBe('weight value');
    expect(await histogram.locator('.ytitle').textContent()).toBe('count');
    const yType = await histogram
      .locator('.jp-WhittleReport-plot')
      .evaluate((n) => (n as unknown as { _fullLayout: { yaxis: { type: string } } })._fullLayout.yaxis.type);
    expect(yType).toBe('log');
    await page.screenshot({ path: join(out, 'lab-light.png') });

    // light → dark: the plots take their background from JupyterLab's theme variables
    const background = () => page.$eval('.jp-WhittleReport svg.main-svg', (svg) => getComputedStyle(svg).backgroundColor);
    const light = await background();
    await page.evaluate(() => window.jupyterapp.commands.execute('apputils:change-theme', { theme: 'JupyterLab Dark' }));
    await page.waitForSelector('body[data-jp-theme-light="false"]', { state: 'attached' });
    await expect.poll(background, { timeout: 20_000 }).not.toBe(light);
    const [r, g, b] = (await background()).match(/\d+/g)!.map(Number);
    expect(r! + g! + b!).toBeLessThan(3 * 100);
    await page.screenshot({ path: join(out, 'lab-dark.png') });

    // the side panel collects the notebook's reports and puts every run on one plot
    await page.evaluate(() => window.jupyterapp.commands.execute('whittle:show-reports'));
    const panel = page.locator('#whittle-reports');
    await expect
      .poll(() => panel.locator('.jp-WhittleReport-title').textContent(), { timeout: 20_000 })
      .toBe(`${views.length} Whittle reports in reports.ipynb`);
    // three plots: every run's size vs accuracy, the pruning runs, the quantization runs
    await expect.poll(() => panel.locator('.jp-WhittleReport-figure .gtitle').count(), { timeout: 30_000 }).toBe(3);
    expect(await panel.locator('tbody tr').count()).toBe(views.length);
    await page.screenshot({ path: join(out, 'lab-panel.png') });
    await checkPanel(panel);

    // the launcher's notebook section has one Whittle entry, the kernelspec's card (the command lives in the palette);
    // the kernelspec's console card is the only other one
    await page.evaluate(() => window.jupyterapp.commands.execute('launcher:create'));
    const cards = page.locator('.jp-LauncherCard', { hasText: 'Whittle' });
    await expect.poll(() => cards.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    // (the launcher on screen: JupyterLab may have opened another one at start, in a hidden tab)
    const sections = await page.$$eval('.jp-Launcher-section', (all) =>
      all
        .filter((s) => s.getClientRects().length > 0)
        .map((s) => ({
          section: s.querySelector('.jp-Launcher-sectionTitle')?.textContent,
          whittle: [...s.querySelectorAll('.jp-LauncherCard-label')].map((c) => c.textContent ?? '').filter((t) => /Whittle/.test(t)),
        })),
    );
    expect(sections.filter((s) => s.whittle.length)).toEqual([
      { section: 'Notebook', whittle: ['TypeScript (Whittle)'] },
      { section: 'Console', whittle: ['TypeScript (Whittle)'] },
    ]);

    // live: "New Whittle notebook", then %prune on a reference model
    expect(await page.evaluate(() => window.jupyterapp.commands.hasCommand('whittle:new-notebook'))).toBe(true);
    await page.evaluate(() => window.jupyterapp.commands.execute('whittle:new-notebook'));
    await expect
      .poll(() => page.evaluate(() => (window.jupyterapp.shell.currentWidget as { id?: string } | null)?.id ?? ''), { timeout: 30_000 })
      .toMatch(/./);
    const fresh = `#${await page.evaluate(() => (window.jupyterapp.shell.currentWidget as { id: string }).id)}`;
    const notebook = page.locator(fresh);
    await expect.poll(() => notebook.locator('.jp-KernelName').textContent(), { timeout: 60_000 }).toBe('TypeScript (Whittle)');
    await expect.poll(() => page.locator('.jp-StatusBar-TextItem', { hasText: 'Idle' }).count(), { timeout: 60_000 }).toBeGreaterThan(0);
    const run = (source: string) =>
      page.evaluate(async (code) => {
        const panel = window.jupyterapp.shell.currentWidget as {
          content: { activeCell: { model: { sharedModel: { setSource(s: string): void } } } };
        };
        panel.content.activeCell.model.sharedModel.setSource(code);
        await window.jupyterapp.commands.execute('notebook:run-cell-and-insert-below');
      }, source);
    await run('import { lenet5 } from "@whittle/core";\nconst model = lenet5({ pretrained: true });');
    await run('%prune model --sparsity 0.9 --scope global');
    await notebook.locator('.jp-WhittleReport[data-whittle-kind="sparsity"] svg.main-svg').first().waitFor({ timeout: 120_000 });
    await notebook.locator('.jp-WhittleReport summary').click(); // unfold the table under the plots
    const live = await reportViews(page, fresh);
    expect(live.map((v) => v.kind)).toEqual(['sparsity']);
    expect(live[0]!.svgs).toBeGreaterThan(0);
    expect(live[0]!.text).toMatch(/magnitude pruning of lenet-5[\s\S]*90\.00%/);
    // the side panel follows the live notebook
    await expect
      .poll(() => panel.locator('.jp-WhittleReport-title').textContent(), { timeout: 20_000 })
      .toBe('1 Whittle report in Untitled.ipynb');
    await page.screenshot({ path: join(out, 'lab-live.png') });

    expect(problems).toEqual([]);
  });
});
