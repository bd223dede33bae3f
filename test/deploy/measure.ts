/**
 * `npx tsx test/deploy/measure.ts DIR`: DIR holds LeNet-5 saved in every format
 * (DIR/models/<format>/, as the deploy notebook writes them). Adds the page,
 * serves DIR on 127.0.0.1, opens it in headless chromium on wasm and webgl and
 * prints the page's measurements as JSON (one PageRun per backend).
 */
import { launch } from '../lab/browser.js';
import { buildPageAssets } from './build.js';
import { runPage } from './run.js';
import { serve } from './server.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: tsx test/deploy/measure.ts DIR (with DIR/models/<format>/model.json)');
await buildPageAssets(dir);
const server = await serve(dir);
const { browser, close } = await launch();
try {
  const runs = [];
  for (const backend of ['wasm', 'webgl'] as const) runs.push(await runPage(browser, server.url, backend));
  process.stdout.write(JSON.stringify(runs));
} finally {
  await close();
  await server.close();
}
