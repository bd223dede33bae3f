import { fail } from '../errors.js';

/**
 * Levels on the command line: a list (`0.5,0.8,0.9`) or a range
 * `start:stop:step` with stop included (`0.1:0.9:0.1`, `8:2:-2`).
 */
export function parseLevels(text: string, flag = '--levels'): number[] {
  const bad = () => fail('whittle', `${flag} must be a list like 0.5,0.8 or a range start:stop:step like 0.1:0.9:0.1, got '${text}'`);
  if (text.includes(':')) {
    const parts = text.split(':').map(Number);
    if (parts.length !== 3 || parts.some((p) => !Number.isFinite(p))) bad();
    const [start, stop, step] = parts as [number, number, number];
    if (step === 0 || Math.sign(stop - start) * Math.sign(step) < 0) bad();
    const count = Math.floor((stop - start) / step + 1e-9) + 1;
    // round away float noise (0.1 + 0.2 ≠ 0.3) to the step's decimals
    const decimals = Math.max(0, ...[start, step].map((v) => (String(v).split('.')[1] ?? '').length));
    return Array.from({ length: count }, (_, i) => Number((start + i * step).toFixed(decimals)));
  }
  const list = text.split(',').map((s) => Number(s.trim()));
  if (list.length === 0 || list.some((v) => !Number.isFinite(v))) bad();
  return list;
}
