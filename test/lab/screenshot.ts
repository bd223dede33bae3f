/**
 * Screenshot comparison: a PNG against a committed baseline, pixel by pixel (pixelmatch), so a
 * visual regression — a lost axis title, a legend over the plot, a wrong colour scale — fails a
 * test. Anti-aliased pixels are not counted and a few stray pixels are tolerated.
 *
 * Updating the baselines: `WHITTLE_UPDATE_SCREENSHOTS=1 npx vitest run test/lab/page.test.ts`
 * rewrites them (and the README's screenshot); look at the new PNGs before committing them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pixelmatch from 'pixelmatch';
import { PNG } from 'pngjs';

export const UPDATE_SCREENSHOTS = process.env.WHITTLE_UPDATE_SCREENSHOTS === '1';

/** Pixels that may differ (beyond anti-aliasing) before an image counts as changed. */
export const TOLERANCE_PIXELS = 50;

/**
 * Compares `png` with the baseline file (or writes it, when updating). Returns null when they
 * match, else why not. The screenshot goes to `<out>.actual.png`, a diff image (changed pixels
 * in red) to `<out>.diff.png`.
 */
export function compareWithBaseline(png: Buffer, baseline: string, out: string): string | null {
  if (UPDATE_SCREENSHOTS) {
    mkdirSync(dirname(baseline), { recursive: true });
    writeFileSync(baseline, png);
    return null;
  }
  if (!existsSync(baseline)) return `${baseline} is missing: run with WHITTLE_UPDATE_SCREENSHOTS=1 to write it`;
  const got = PNG.sync.read(png);
  const want = PNG.sync.read(readFileSync(baseline));
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(`${out}.actual.png`, png);
  if (got.width !== want.width || got.height !== want.height)
    return `size ${got.width}×${got.height} differs from the baseline's ${want.width}×${want.height}`;
  const diff = new PNG({ width: got.width, height: got.height });
  const changed = pixelmatch(got.data, want.data, diff.data, got.width, got.height, { threshold: 0.1 });
  if (changed <= TOLERANCE_PIXELS) return null;
  writeFileSync(`${out}.diff.png`, PNG.sync.write(diff));
  return `${changed} pixels differ (tolerance ${TOLERANCE_PIXELS}); diff image: ${out}.diff.png`;
}
