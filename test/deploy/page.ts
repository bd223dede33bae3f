// The deploy demo: loads LeNet-5 in each format through @whittle/loader,
// classifies 200 test digits and a drawn one, and shows per format the bytes
// the browser fetched, load, decode and inference times and agreement with
// fp32. Results go to window.whittleDeploy for the test and the benchmark.
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { decodeModel, whittleHandler, type ModelJSON } from '@whittle/loader';

export interface FormatResult {
  name: string;
  /** Body bytes of model.json + shards as the browser received them (Resource Timing encodedBodySize). */
  bytes: number;
  loadMs: number;
  /** Median of 5 decodes of the fetched bytes (decodeModel alone, after the load). */
  decodeMs: number;
  inferMs: number;
  predictions: number[];
  agreement: number;
  accuracy: number;
}

export interface DeployManifest {
  formats: { name: string; url: string }[];
  digits: { url: string; labels: number[] };
}

declare global {
  interface Window {
    whittleDeploy?: { backend: string; results: FormatResult[]; done: boolean; error?: string; webgl?: string };
    whittleClassifyCanvas?: () => { name: string; digit: number }[];
  }
}

/** What renders WebGL in this browser (GPU or a software rasterizer), or null without WebGL. */
function webglRenderer(): string | undefined {
  const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
  if (!gl) return undefined;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  return String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER));
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function loadFormat(name: string, url: string): Promise<{ model: tf.LayersModel; loadMs: number; decodeMs: number; bytes: number }> {
  const bodies = new Map<string, Uint8Array>();
  const recording: typeof fetch = async (input, init) => {
    const res = await fetch(input, init);
    bodies.set(String(input), new Uint8Array(await res.clone().arrayBuffer()));
    return res;
  };
  const t0 = performance.now();
  const model = await tf.loadLayersModel(whittleHandler(url, { fetchFunc: recording }));
  const loadMs = performance.now() - t0;
  // decode alone, on the bytes just fetched
  const json = JSON.parse(new TextDecoder().decode(bodies.get(url))) as ModelJSON;
  const dir = url.slice(0, url.lastIndexOf('/') + 1);
  const shards = Object.fromEntries(json.weightsManifest.flatMap((g) => g.paths).map((p) => [p, bodies.get(dir + p)!]));
  const times = Array.from({ length: 5 }, () => {
    const t = performance.now();
    decodeModel(json, shards);
    return performance.now() - t;
  });
  const abs = (u: string) => new URL(u, location.href).href;
  const wanted = new Set([...bodies.keys()].map(abs));
  const bytes = (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
    .filter((e) => wanted.has(e.name))
    .reduce((s, e) => s + e.encodedBodySize, 0);
  void name;
  return { model, loadMs, decodeMs: median(times), bytes };
}

function predict(model: tf.LayersModel, x: tf.Tensor): { predictions: number[]; ms: number } {
  const t0 = performance.now();
  const predictions = tf.tidy(() => Array.from((model.predict(x) as tf.Tensor).argMax(-1).dataSync()));
  return { predictions, ms: performance.now() - t0 };
}

function row(r: FormatResult): void {
  const tr = document.createElement('tr');
  tr.dataset.format = r.name;
  const pct = (v: number) => `${(100 * v).toFixed(1)} %`;
  for (const v of [
    r.name,
    r.bytes.toLocaleString('en'),
    r.loadMs.toFixed(1),
    r.decodeMs.toFixed(2),
    r.inferMs.toFixed(1),
    pct(r.agreement),
    pct(r.accuracy),
  ]) {
    const td = document.createElement('td');
    td.textContent = v;
    tr.append(td);
  }
  $('results').querySelector('tbody')!.append(tr);
}

function drawingPad(models: { name: string; model: tf.LayersModel }[]): void {
  const pad = $<HTMLCanvasElement>('pad');
  const ctx = pad.getContext('2d')!;
  const clear = () => {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, pad.width, pad.height);
  };
  clear();
  let drawing = false;
  pad.addEventListener('pointerdown', (e) => {
    drawing = true;
    ctx.beginPath();
    ctx.moveTo(e.offsetX, e.offsetY);
  });
  pad.addEventListener('pointermove', (e) => {
    if (!drawing) return;
    Object.assign(ctx, { strokeStyle: '#fff', lineWidth: 22, lineCap: 'round', lineJoin: 'round' });
    ctx.lineTo(e.offsetX, e.offsetY);
    ctx.stroke();
  });
  addEventListener('pointerup', () => (drawing = false));
  const classify = () => {
    // MNIST digits are white on black, 28×28, in [0, 1]
    const small = document.createElement('canvas');
    small.width = small.height = 28;
    const s = small.getContext('2d')!;
    s.drawImage(pad, 0, 0, 28, 28);
    const rgba = s.getImageData(0, 0, 28, 28).data;
    const pixels = Float32Array.from({ length: 784 }, (_, i) => rgba[i * 4]! / 255);
    const x = tf.tensor4d(pixels, [1, 28, 28, 1]);
    const out = models.map(({ name, model }) => ({ name, digit: predict(model, x).predictions[0]! }));
    x.dispose();
    $('drawn').textContent = out.map((o) => `${o.name}: ${o.digit}`).join(' · ');
    return out;
  };
  $('classify').addEventListener('click', classify);
  $('clear').addEventListener('click', clear);
  window.whittleClassifyCanvas = classify;
}

async function main(): Promise<void> {
  const wanted = new URLSearchParams(location.search).get('backend') ?? 'wasm';
  setWasmPaths(new URL('wasm/', location.href).href);
  if (!(await tf.setBackend(wanted))) throw new Error(`backend ${wanted} is not available in this browser`);
  await tf.ready();
  const state: NonNullable<Window['whittleDeploy']> = { backend: tf.getBackend(), results: [], done: false, webgl: webglRenderer() };
  window.whittleDeploy = state;
  const manifest = (await (await fetch('manifest.json')).json()) as DeployManifest;
  const labels = manifest.digits.labels;
  const pixels = new Float32Array(await (await fetch(manifest.digits.url)).arrayBuffer());
  const x = tf.tensor4d(pixels, [labels.length, 28, 28, 1]);
  const loaded: { name: string; model: tf.LayersModel }[] = [];
  let reference: number[] | undefined;
  for (const f of manifest.formats) {
    $('status').textContent = `loading ${f.name} on ${state.backend}…`;
    const { model, loadMs, decodeMs, bytes } = await loadFormat(f.name, f.url);
    predict(model, x); // warm-up: kernels compile on first use
    const { predictions, ms } = predict(model, x);
    reference ??= predictions;
    const r: FormatResult = {
      name: f.name,
      bytes,
      loadMs,
      decodeMs,
      inferMs: ms,
      predictions,
      agreement: predictions.filter((p, i) => p === reference![i]).length / predictions.length,
      accuracy: predictions.filter((p, i) => p === labels[i]).length / labels.length,
    };
    state.results.push(r);
    loaded.push({ name: f.name, model });
    row(r);
  }
  x.dispose();
  drawingPad(loaded);
  $('status').textContent = `done on ${state.backend}`;
  state.done = true;
}

main().catch((err: Error) => {
  window.whittleDeploy = { backend: '', results: [], done: true, error: err.message, webgl: webglRenderer() };
  $('status').textContent = `error: ${err.message}`;
});
