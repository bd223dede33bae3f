/**
 * Server-free renderer check: saved outputs of every report kind (plus a
 * hostile and some invalid payloads) in JupyterLab's OutputArea with Whittle's
 * renderer, bundled by esbuild, opened over file:// in headless chromium.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPORT_KINDS, REPORT_MIME } from '@whittle/report';
import { launch, reportViews, watch } from './browser.js';
import { executedNotebook } from './global-setup.js';
import { buildPage } from '../page/build.js';
import { compareWithBaseline, UPDATE_SCREENSHOTS } from './screenshot.js';

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, 'out', 'page');
/** Committed baselines of the screenshot comparison, and the reports they show (see screenshot.ts). */
const shots = join(here, 'screenshots');
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

/** The axis type plotly drew for a figure's plot. */
const axisType = (figure: Locator, axis: string) =>
  figure
    .locator('.jp-WhittleReport-plot')
    .evaluate((node, a) => (node as unknown as { _fullLayout: Record<string, { type: string }> })._fullLayout[a]!.type, axis);

/** Pairs of tick labels on one axis whose boxes overlap, for every plot on the page (none is the rule). */
function overlappingTicks(page: Page): Promise<string[]> {
  return page.$$eval('.jp-WhittleReport svg.main-svg', (svgs) =>
    svgs.flatMap((svg) => {
      const out: string[] = [];
      const axes = new Map<string, DOMRect[]>();
      for (const t of svg.querySelectorAll('g.xtick text, g.ytick text, g.y2tick text')) {
        const key = (t.parentElement!.getAttribute('class') ?? '') + (t.closest('[class*="axislayer"]')?.getAttribute('class') ?? '');
        if (!(t.textContent ?? '').trim()) continue;
        axes.set(key, [...(axes.get(key) ?? []), t.getBoundingClientRect()]);
      }
      for (const [axis, rects] of axes)
        rects.forEach((a, i) =>
          rects.slice(i + 1).forEach((b) => {
            const overlap =
              Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
            if (overlap) out.push(`${svg.closest('.jp-WhittleReport-figure')?.querySelector('.gtitle')?.textContent}: ${axis}`);
          }),
        );
      return out;
    }),
  );
}

/** The figures' new rules: histogram axis titles, scales chosen per data, pickers, heatmap colours, labels. */
async function checkFigures(page: Page): Promise<void> {
  const view = (kind: string) => page.locator(`.jp-WhittleReport[data-whittle-kind="${kind}"]`).first();
  const figureTitled = (kind: string, title: RegExp) =>
    view(kind).locator('.jp-WhittleReport-figure', { has: page.locator('.gtitle', { hasText: title }) });
  const payload = (kind: string) => reports.find((r) => r.kind === kind)! as Record<string, unknown>;

  // every histogram has an x-axis title and counts on y
  for (const [kind, title, x] of [
    ['histogram', /^Weights/, 'weight value'],
    ['sparsity', /^Weights before and after/, 'weight value'],
    ['quantization', /^Weights of/, 'weight value'],
    ['quantization', /^Quantization error of/, 'error: quantized − float weight'],
    ['clustering', /^Weights of/, 'weight value'],
  ] as const) {
    const f = figureTitled(kind, title);
    expect(await f.locator('.xtitle').textContent(), `${kind} ${title}`).toBe(x);
    expect(await f.locator('.ytitle').textContent(), `${kind} ${title}`).toBe('count');
  }
  // the pruned model's histogram starts log (its zero bin holds 80 % of the weights)
  expect(await axisType(figureTitled('sparsity', /^Weights before/), 'yaxis')).toBe('log');

  // the quantization histogram has a layer picker: one entry per layer with a histogram, and it switches the plot
  const q = payload('quantization') as { layers: { name: string; weightHistogram?: unknown }[] };
  const qWeights = figureTitled('quantization', /^Weights of/);
  const qLayers = q.layers.filter((l) => l.weightHistogram).map((l) => l.name);
  expect(await qWeights.locator('option').allTextContents()).toEqual(qLayers);
  await qWeights.locator('select').selectOption({ index: qLayers.length - 1 });
  await expect.poll(() => qWeights.locator('.gtitle').textContent()).toBe(`Weights of ${qLayers.at(-1)}: float and quantized`);

  // the mask heatmap: axis titles, and colours spanning exactly this layer's kept fractions
  const masks = (payload('sparsity') as { masks: { values: number[] }[] }).masks;
  const heat = figureTitled('sparsity', /^Kept weights of/);
  expect(await heat.locator('.xtitle').textContent()).toBe('output');
  expect(await heat.locator('.ytitle').textContent()).toBe('input');
  const range = await heat
    .locator('.jp-WhittleReport-plot')
    .evaluate((n) => (n as unknown as { _fullData: { zmin: number; zmax: number }[] })._fullData.map((t) => [t.zmin, t.zmax])[0]);
  expect(range).toEqual([Math.min(...masks[0]!.values), Math.max(...masks[0]!.values)]);

  // parameter bars: LeNet-5's dense layer holds 300× conv1's weights → log axis, counts written on the bars
  // (each layer with weights: its params, and its nonzeros where they differ)
  const params = view('summary').locator('.jp-WhittleReport-figure').first();
  expect(await axisType(params, 'yaxis')).toBe('log');
  const layers = (payload('summary') as { layers: { params: number; nonzeros: number }[] }).layers.filter((l) => l.params > 0);
  const labels = await params.locator('.bartext').allTextContents();
  expect(labels).toHaveLength(layers.length + layers.filter((l) => l.nonzeros !== l.params).length);
  expect(labels).toContain(`${Math.round(Math.max(...layers.map((l) => l.params)) / 100) / 10}k`);

  // pareto: every point labelled, the front drawn as a line
  const pareto = view('pareto');
  const points = (payload('pareto') as { points: unknown[] }).points;
  expect(await pareto.locator('.textpoint').count()).toBe(points.length);
  expect(await pareto.locator('.scatterlayer .trace').first().locator('path.js-line').count()).toBe(1);

  // the accuracy before → after shows under the title, with the table folded
  expect(await view('sparsity').locator('.jp-WhittleReport-headline').textContent()).toMatch(/^accuracy \d+\.\d\d% → \d+\.\d\d%/);

  // no two tick labels overlap on any axis, on either scale of every log toggle
  expect(await overlappingTicks(page)).toEqual([]);
  const toggles = page.locator('.jp-WhittleReport input[type=checkbox]');
  for (let i = 0; i < (await toggles.count()); i++) await toggles.nth(i).click();
  await expect.poll(() => overlappingTicks(page)).toEqual([]);
  for (let i = 0; i < (await toggles.count()); i++) await toggles.nth(i).click();
}

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
    await checkFigures(page);

    // the mask heatmap's layer picker swaps the plot's title to the chosen layer
    // (the first figure with a picker: the clustering report's histogram has one too)
    const picked = page.locator('.jp-WhittleReport-figure', { has: page.locator('.jp-WhittleReport-picker') }).first();
    const picker = picked.locator('.jp-WhittleReport-picker');
    const options = await picker.locator('option').allTextContents();
    expect(options.length).toBeGreaterThan(1);
    await picker.selectOption({ index: 1 });
    await expect.poll(() => picked.locator('.gtitle').textContent()).toContain(options[1]);

    // the log-y toggle switches the histogram's axis (pruned vs dense weights: the zero spike makes it start log)
    const figure = page.locator('.jp-WhittleReport[data-whittle-kind="histogram"] .jp-WhittleReport-figure').first();
    expect(await axisType(figure, 'yaxis')).toBe('log');
    const before = await figure.locator('.ytick text').allTextContents();
    await figure.locator('input[type=checkbox]').click();
    await expect.poll(() => figure.locator('.ytick text').allTextContents()).not.toEqual(before);
    expect(await axisType(figure, 'yaxis')).toBe('linear');
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

  it('one report of each kind looks like its committed baseline screenshot (pixel diff)', async () => {
    // Fixed inputs: one saved report per kind (test/lab/screenshots/reports.json), so a retrained model or a
    // timing in a table cannot move a pixel; WHITTLE_UPDATE_SCREENSHOTS=1 re-takes them from reports.ipynb.
    const fixture = join(shots, 'reports.json');
    if (UPDATE_SCREENSHOTS) {
      const clean = reports.filter((r) => !JSON.stringify(r).includes('<'));
      mkdirSync(shots, { recursive: true });
      writeFileSync(fixture, JSON.stringify(REPORT_KINDS.map((k) => clean.find((r) => r.kind === k)!)) + '\n');
    }
    const fixed = JSON.parse(readFileSync(fixture, 'utf8')) as { kind: string }[];
    expect(fixed.map((r) => r.kind)).toEqual([...REPORT_KINDS]);
    const dir = join(here, 'out', 'screenshots');
    mkdirSync(dir, { recursive: true });
    const url = await buildPage(
      dir,
      fixed.map((r) => ({ output_type: 'display_data', metadata: {}, data: { [REPORT_MIME]: r, 'text/plain': r.kind } })),
    );
    const page = await session.browser.newPage({ viewport: { width: 760, height: 900 } });
    const { problems } = watch(page);
    await page.goto(url);
    await page.waitForFunction(() => window.whittlePageDone === true);
    await page.waitForFunction(
      (n) => [...document.querySelectorAll('.jp-WhittleReport')].filter((v) => v.querySelector('svg.main-svg')).length === n,
      fixed.length,
      { timeout: 60_000 },
    );
    await page.evaluate(() => document.fonts.ready);
    // let the first resize pass (ResizeObserver → requestAnimationFrame → plotly) settle
    await page.evaluate(() => new Promise((r) => setTimeout(r, 500)));
    const failures: string[] = [];
    for (const kind of REPORT_KINDS) {
      const png = await page.locator(`.jp-WhittleReport[data-whittle-kind="${kind}"]`).screenshot({ animations: 'disabled' });
      const why = compareWithBaseline(png, join(shots, `${kind}.png`), join(dir, kind));
      if (why) failures.push(`${kind}: ${why}`);
    }
    expect(failures).toEqual([]);
    expect(problems).toEqual([]);
  });
});
