/**
 * Opens the deploy page in headless Debian chromium on one backend and reads
 * back its measurements, plus what the browser's network log says each
 * format's files weighed (playwright's response sizes, body bytes as sent).
 */
import type { Browser } from 'playwright-core';
import { watch } from '../lab/browser.js';
import type { FormatResult } from './page.js';

export interface FormatRun extends FormatResult {
  /** Body bytes of this format's responses in the browser's network log (model.json gzipped, shards as is). */
  networkBytes: number;
  files: { url: string; bytes: number }[];
}

export interface PageRun {
  backend: string;
  /** false when the browser does not offer the backend (then `error` says why and results are empty). */
  available: boolean;
  error?: string;
  results: FormatRun[];
  /** The page's WebGL renderer string (undefined: no WebGL at all). */
  webgl?: string;
  /** What each format made of a digit drawn on the canvas with the mouse. */
  drawn: { name: string; digit: number }[];
  problems: string[];
}

export async function runPage(browser: Browser, url: string, backend: 'wasm' | 'webgl'): Promise<PageRun> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const { problems } = watch(page);
  const sizes: Promise<{ url: string; bytes: number }>[] = [];
  page.on('requestfinished', (req) => sizes.push(req.sizes().then((s) => ({ url: req.url(), bytes: s.responseBodySize }))));
  try {
    await page.goto(`${url}?backend=${backend}`);
    await page.waitForFunction(() => window.whittleDeploy?.done === true, undefined, { timeout: 300_000 });
    const state = (await page.evaluate(() => window.whittleDeploy))!;
    if (state.error) return { backend, available: false, error: state.error, webgl: state.webgl, results: [], drawn: [], problems };
    // draw a "7" with the mouse, then press the page's classify button
    const box = (await page.locator('#pad').boundingBox())!;
    const at = (fx: number, fy: number) => [box.x + fx * box.width, box.y + fy * box.height] as const;
    await page.mouse.move(...at(0.25, 0.2));
    await page.mouse.down();
    for (const [fx, fy] of [
      [0.75, 0.2],
      [0.6, 0.45],
      [0.5, 0.65],
      [0.42, 0.85],
    ] as const)
      await page.mouse.move(...at(fx, fy), { steps: 8 });
    await page.mouse.up();
    await page.click('#classify');
    const drawn = (await page.evaluate(() => window.whittleClassifyCanvas!()))!;
    const log = await Promise.all(sizes);
    const results = state.results.map((r) => {
      const files = log.filter((f) => new URL(f.url).pathname.startsWith(`/models/${r.name}/`));
      return { ...r, files, networkBytes: files.reduce((s, f) => s + f.bytes, 0) };
    });
    return { backend: state.backend, available: true, webgl: state.webgl, results, drawn, problems };
  } finally {
    await context.close();
  }
}
