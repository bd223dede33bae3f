/**
 * Server-free renderer check: saved outputs of every report kind (plus a
 * hostile and some invalid payloads) in JupyterLab's OutputArea with Whittle's
 * renderer, bundled by esbuild, opened over file:// in headless chromium.
 */
import { readFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_KINDS, REPORT_MIME } from '@whittle/report';
import { launch, reportViews, watch } from './browser.js';
import { executedNotebook } from './global-setup.js';
import { buildPage } from '../page/build.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out', 'page');
const HOSTILE = '<img src=x onerror=alert(1)>';

const invalid = [
  { kind: 'sparsity', version: 99 },
  { kind: 'pareto', version: 1, title: 'no points' },
  { kind: 'frobnicate', version: 1 },
].map((payload) => ({ output_type: 'display_data', metadata: {}, data: { [REPORT_MIME]: payload, 'text/plain': 'bad report' } }));

let session: Awaited<ReturnType<typeof launch>>;
let pageUrl: string;
let reports: { kind: string; model?: string }[];
beforeAll(async () => {
  const notebook = JSON.parse(readFileSync(executedNotebook, 'utf8')) as { cells: { outputs?: { data?: Record<string, unknown> }[] }[] };
  const saved = notebook.cells.flatMap((c) => c.outputs ?? []);
  reports = saved.flatMap((o) => (o.data?.[REPORT_MIME] ? [o.data[REPORT_MIME] as { kind: string; model?: string }] : []));
  const outputs = [...saved, ...invalid];
  mkdirSync(out, { recursive: true });
  pageUrl = await buildPage(out, outputs);
  session = await launch();
});
afterAll(async () => session?.close());

describe('the Whittle renderer in a server-free page', () => {
  it('draws a plot for every report kind, rejects bad payloads with a message, keeps report strings as text, and resizes', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const { problems } = watch(page);
    await page.goto(pageUrl);
    await page.waitForFunction(() => window.whittlePageDone === true);
    // every valid view has drawn its plots (plotly is loaded lazily)
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.jp-WhittleReport')].filter(
          (v) => v.querySelector('svg.main-svg') || v.querySelector('.jp-WhittleReport-error'),
        ).length === document.querySelectorAll('.jp-WhittleReport').length,
      undefined,
      { timeout: 60_000 },
    );
    const views = await reportViews(page);

    const drawn = views.filter((v) => v.error === null);
    expect(new Set(drawn.map((v) => v.kind))).toEqual(new Set(REPORT_KINDS));
    for (const v of drawn) expect(v.svgs, `${v.kind} plots`).toBeGreaterThan(0);

    const rejected = views.filter((v) => v.error !== null);
    expect(rejected.map((v) => v.kind)).toEqual(['invalid', 'invalid', 'invalid']);
    expect(rejected[0]!.error).toMatch(/report version 99 is not supported/);
    expect(rejected[1]!.error).toMatch(/invalid pareto report: points/);
    expect(rejected[2]!.error).toMatch(/unknown report kind "frobnicate"/);

    // the hostile layer name shows as text in the table and the plot, and never became an element
    const hostile = views.find((v) => v.text.includes(HOSTILE));
    expect(hostile?.kind).toBe('summary');
    expect(await page.$$eval('.jp-WhittleReport img', (imgs) => imgs.length)).toBe(0);
    const tickLabels = await page.$$eval('.jp-WhittleReport svg text', (t) => t.map((n) => n.textContent));
    expect(tickLabels).toContain(HOSTILE);
    expect(tickLabels).toContain('<b>bold</b>'); // plotly would have drawn a bold "bold" from unescaped text
    expect(await page.$$eval('.jp-WhittleReport svg b, .jp-WhittleReport td b', (b) => b.length)).toBe(0);

    // axis titles are drawn (plotly 3 ignores plain-string titles)
    const sensitivity = page.locator('.jp-WhittleReport[data-whittle-kind="sensitivity"]');
    expect(await sensitivity.locator('.xtitle').textContent()).toBe('sparsity %');
    expect(await sensitivity.locator('.ytitle').textContent()).toBe('accuracy %');

    // the mask heatmap's layer picker swaps the plot's title to the chosen layer
    // (the first figure with a picker: the clustering report's histogram has one too)
    const picked = page.locator('.jp-WhittleReport-figure', { has: page.locator('.jp-WhittleReport-picker') }).first();
    const picker = picked.locator('.jp-WhittleReport-picker');
    const options = await picker.locator('option').allTextContents();
    expect(options.length).toBeGreaterThan(1);
    await picker.selectOption({ index: 1 });
    await expect.poll(() => picked.locator('.gtitle').textContent()).toContain(options[1]);

    // the log-y toggle switches the histogram's axis
    const figure = page.locator('.jp-WhittleReport[data-whittle-kind="histogram"] .jp-WhittleReport-figure').first();
    const before = await figure.locator('.ytick text').allTextContents();
    await figure.locator('input[type=checkbox]').click();
    await expect.poll(() => figure.locator('.ytick text').allTextContents()).not.toEqual(before);
    const linear = await figure.locator('.ytick text').allTextContents();
    // a theme switch (JupyterLab flips data-jp-theme-* on <body> and its CSS variables change) re-themes the plots
    // but keeps the user's choice: wait until the new background is drawn, then look at the axis
    await page.evaluate(() => {
      document.body.style.setProperty('--jp-layout-color0', 'rgb(1, 2, 3)');
      document.body.setAttribute('data-jp-theme-name', 'switched');
    });
    const paper = () =>
      figure
        .locator('.jp-WhittleReport-plot')
        .evaluate((node) => (node as unknown as { _fullLayout: { paper_bgcolor: string } })._fullLayout.paper_bgcolor);
    await expect.poll(paper, { timeout: 20_000 }).toBe('rgb(1, 2, 3)');
    expect(await figure.locator('.ytick text').allTextContents()).toEqual(linear);

    // plots follow their container's width
    const width = () =>
      page
        .locator('.jp-WhittleReport-plot svg.main-svg')
        .first()
        .evaluate((svg) => svg.getBoundingClientRect().width);
    const wide = await width();
    await page.setViewportSize({ width: 600, height: 900 });
    await expect.poll(width).toBeLessThan(wide - 200);

    expect(problems).toEqual([]);
    await page.screenshot({ path: join(out, 'page.png'), fullPage: true });
  });

  it('a renderer given a second report before the first one has drawn shows only the second', async () => {
    const page = await session.browser.newPage({ viewport: { width: 1100, height: 900 } });
    const { problems } = watch(page);
    await page.goto(pageUrl);
    await page.waitForFunction(() => window.whittlePageDone === true);
    // the old report folds its table under its plots once they are drawn — the step a stale render got wrong
    const old = reports.find((r) => r.kind === 'sparsity')!;
    const next = reports.find((r) => r.kind === 'summary')!;
    const shown = await page.evaluate(
      async ({ mime, old, next }) => {
        const model = (report: unknown) => ({ data: { [mime]: report } }) as never;
        // `when` sends the second report: 'at once' (before the code has loaded), or 'while drawing'
        // (as soon as the first report's title is on the page, while its plots are being drawn)
        const race = async (when: 'at once' | 'while drawing') => {
          const widget = window.whittleRendererFactory.createRenderer({ mimeType: mime } as never);
          document.body.append(widget.node);
          let second: Promise<void> | undefined;
          if (when === 'while drawing') {
            const seen = new MutationObserver(() => {
              seen.disconnect();
              second = widget.renderModel(model(next));
            });
            seen.observe(widget.node, { childList: true });
          }
          const first = widget.renderModel(model(old));
          if (when === 'at once') second = widget.renderModel(model(next));
          await first;
          await second;
          const node = widget.node;
          return {
            kind: node.dataset.whittleKind,
            titles: [...node.querySelectorAll('.jp-WhittleReport-title')].map((t) => t.textContent),
            tables: node.querySelectorAll('.jp-WhittleReport-table').length,
            folded: node.querySelectorAll('details').length,
            figures: node.querySelectorAll('.jp-WhittleReport-figure').length,
            plots: node.querySelectorAll('svg.main-svg').length > 0,
          };
        };
        return [await race('at once'), await race('while drawing')];
      },
      { mime: REPORT_MIME, old, next },
    );
    const only = { kind: 'summary', titles: [`summary of ${next.model}`], tables: 1, folded: 0, figures: 1, plots: true };
    expect(shown).toEqual([only, only]);
    expect(problems).toEqual([]);
  });
});
