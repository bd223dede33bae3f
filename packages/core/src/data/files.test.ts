import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../backend/index.js';
import { loadData } from './files.js';

beforeAll(() => initBackend());
const root = mkdtempSync(join(tmpdir(), 'whittle-data-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** A w×h PNG whose pixel p has RGB (r0 + p, g, b) — values the test knows without decoding. */
function writePng(file: string, w: number, h: number, r0: number, g: number, b: number): void {
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < w * h; p++) png.data.set([(r0 + p) % 256, g, b, 255], 4 * p);
  writeFileSync(file, PNG.sync.write(png));
}

describe('loadData: your own data from files', () => {
  it('an image folder: class sub-folders are labels, pixels map to [0, 1], grayscale is luminance', () => {
    const dir = join(root, 'images');
    for (const [cls, g] of [
      ['cat', 10],
      ['dog', 200],
    ] as const) {
      mkdirSync(join(dir, cls), { recursive: true });
      writePng(join(dir, cls, 'a.png'), 3, 2, 0, g, 7);
    }
    // a JPEG too: a flat colour survives JPEG exactly enough to check
    const flat = Buffer.alloc(3 * 2 * 4, 0);
    for (let p = 0; p < 6; p++) flat.set([128, 128, 128, 255], 4 * p);
    writeFileSync(join(dir, 'dog', 'b.jpg'), jpeg.encode({ data: flat, width: 3, height: 2 }, 100).data);
    const rgb = loadData(dir, { inputShape: [2, 3, 3], classes: 2, model: 'm' });
    expect(rgb.size).toBe(3);
    expect(Array.from(rgb.labels)).toEqual([0, 1, 1]); // cat < dog
    const x = rgb.x.dataSync();
    expect(x[0]).toBe(0); // pixel 0 of cat/a.png: r = 0
    expect(x[1]).toBeCloseTo(10 / 255, 6);
    expect(x[3 * 5]).toBeCloseTo(5 / 255, 6); // pixel 5: r = 5
    expect(Math.abs(x[18 * 2]! - 128 / 255)).toBeLessThan(2 / 255);
    rgb.dispose();
    const gray = loadData(dir, { inputShape: [2, 3, 1], classes: 2, model: 'm', pixelRange: [-1, 1] });
    expect(gray.x.dataSync()[1]).toBeCloseTo(-1 + (2 * (0.299 * 1 + 0.587 * 10 + 0.114 * 7)) / 255, 5);
    gray.dispose();
  });

  it('images of another size are resized to the model’s size: bilinear or nearest, half-pixel centres (worked by hand)', () => {
    const tensors = tf.memory().numTensors;
    const dir = join(root, 'resize');
    mkdirSync(join(dir, '0'), { recursive: true });
    // 2×1 image, red 0 and 200; to 4 wide: source x = (x + 0.5)·2/4 − 0.5 = −0.25, 0.25, 0.75, 1.25 (clamped at the edges)
    const png = new PNG({ width: 2, height: 1 });
    png.data.set([0, 0, 0, 255, 200, 0, 0, 255]);
    writeFileSync(join(dir, '0', 'two.png'), PNG.sync.write(png));
    writePng(join(dir, '0', 'right.png'), 4, 1, 10, 0, 0); // already the model's size: taken as is
    const red = (d: ReturnType<typeof loadData>, sample: number) =>
      Array.from(d.x.dataSync().slice(12 * sample, 12 * sample + 12))
        .filter((_, i) => i % 3 === 0)
        .map((v) => Math.round(v * 255));
    const bilinear = loadData(dir, { inputShape: [1, 4, 3], classes: 2 });
    expect(red(bilinear, 0)).toEqual([10, 11, 12, 13]); // right.png comes first (sorted names)
    expect(red(bilinear, 1)).toEqual([0, 50, 150, 200]); // 0, ¼·200, ¾·200, 200
    const nearest = loadData(dir, { inputShape: [1, 4, 3], classes: 2, resize: 'nearest' });
    expect(red(nearest, 1)).toEqual([0, 0, 200, 200]); // floor((x + 0.5)·2/4) = 0, 0, 1, 1
    bilinear.dispose();
    nearest.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('x.npy + y.npy written by numpy, and JSON with labels', () => {
    const dir = join(root, 'npy');
    mkdirSync(dir);
    execFileSync('/usr/bin/python3', [
      '-c',
      `import numpy as np; np.save('${dir}/x.npy', np.arange(24, dtype=np.float32).reshape(3, 2, 4) / 8); np.save('${dir}/y.npy', np.array([2, 0, 1], dtype=np.int64)); np.save('${dir}/u8.npy', np.arange(6, dtype=np.uint8).reshape(3, 2)); np.save('${dir}/u8.labels.npy', np.eye(3, dtype=np.float64)[[1, 1, 0]])`,
    ]);
    const d = loadData(join(dir, 'x.npy'), { inputShape: [2, 4], classes: 3 });
    expect(Array.from(d.x.dataSync())).toEqual(Array.from({ length: 24 }, (_, i) => i / 8));
    expect(Array.from(d.labels)).toEqual([2, 0, 1]);
    d.dispose();
    const u = loadData(join(dir, 'u8.npy'), { inputShape: [2], classes: 3 });
    expect(Array.from(u.x.dataSync())).toEqual([0, 1, 2, 3, 4, 5]);
    expect(Array.from(u.labels)).toEqual([1, 1, 0]); // one-hot rows
    u.dispose();
    writeFileSync(
      join(root, 'd.json'),
      JSON.stringify({
        x: [
          [[1], [2]],
          [[3], [4]],
        ],
        labels: [1, 0],
      }),
    );
    const j = loadData(join(root, 'd.json'), { inputShape: [2, 1], classes: 2 });
    expect(Array.from(j.x.dataSync())).toEqual([1, 2, 3, 4]);
    expect(Array.from(j.y.dataSync())).toEqual([0, 1, 1, 0]);
    j.dispose();
  });

  it('one-line errors naming the file: unreadable image, wrong size, no labels, wrong shape', () => {
    const tensors = tf.memory().numTensors;
    const bad = join(root, 'bad');
    mkdirSync(join(bad, 'a'), { recursive: true });
    writeFileSync(join(bad, 'a', 'x.png'), 'not a png');
    expect(() => loadData(bad, { inputShape: [2, 3, 3], classes: 2, model: 'm' })).toThrow(
      new RegExp(`^data: ${join(bad, 'a', 'x.png')} is not a readable image \\(.+\\)$`),
    );
    const sized = join(root, 'sized');
    mkdirSync(join(sized, 'a'), { recursive: true });
    writePng(join(sized, 'a', 'big.png'), 5, 5, 0, 0, 0);
    expect(() => loadData(sized, { inputShape: [2, 3, 3], classes: 2, model: 'm', resize: 'none' })).toThrow(
      `data: ${join(sized, 'a', 'big.png')} is 5×5 but model 'm' takes 3×2 images; resize it`,
    );
    expect(() => loadData(sized, { inputShape: [2, 3, 3], classes: 2, resize: 'cubic' as 'none' })).toThrow(
      "data: resize must be 'bilinear', 'nearest' or 'none', got 'cubic'",
    );
    const flat = join(root, 'flat');
    mkdirSync(flat);
    writePng(join(flat, 'loose.png'), 3, 2, 0, 0, 0);
    expect(() => loadData(flat, { inputShape: [2, 3, 3], classes: 2, model: 'm' })).toThrow(
      `data: ${flat} has no class sub-folders (no labels)`,
    );
    writeFileSync(join(root, 'nolabels.json'), JSON.stringify({ x: [[1, 2]] }));
    expect(() => loadData(join(root, 'nolabels.json'), { inputShape: [2], classes: 2 })).toThrow(
      `data: ${join(root, 'nolabels.json')} has no "labels" array`,
    );
    expect(() => loadData(join(root, 'npy', 'x.npy'), { inputShape: [8], classes: 3, model: 'm' })).toThrow(
      `data: ${join(root, 'npy', 'x.npy')} has samples of shape [2×4] but model 'm' takes [8]`,
    );
    execFileSync('/usr/bin/python3', ['-c', `import numpy as np; np.save('${root}/lonely.npy', np.zeros((2, 2), dtype=np.float32))`]);
    expect(() => loadData(join(root, 'lonely.npy'), { inputShape: [2], classes: 3 })).toThrow(
      `data: ${join(root, 'lonely.npy')} has no labels: put one class per sample in ${join(root, 'lonely.labels.npy')}`,
    );
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
