/**
 * The text/plain form of a cell's value: arrays of records as aligned tables
 * (as pandas prints a DataFrame), plain nested objects in full (not cut to
 * `[Object]` when they hold only plain data), and floats rounded to 6 significant digits (`0.1 + 0.2` → 0.3,
 * an accuracy 0.9712000000000001 → 0.9712). Class instances (models, tensors)
 * keep node's depth limit: their internals are not the point.
 */
import { inspect } from 'node:util';

const SIGNIFICANT = 6;

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && [Object.prototype, null].includes(Object.getPrototypeOf(v));

const round = (n: number) => (Number.isInteger(n) || !Number.isFinite(n) ? n : Number(n.toPrecision(SIGNIFICANT)));

/** Only primitives, arrays and plain objects all the way down (so printing it in full stays small). */
function plainTree(v: unknown, seen = new Set<unknown>()): boolean {
  if (typeof v !== 'object' || v === null) return typeof v !== 'function';
  if (seen.has(v) || !(Array.isArray(v) || isPlain(v))) return false;
  seen.add(v);
  return Object.values(v).every((x) => plainTree(x, seen));
}

/** A copy of plain data with floats rounded; anything else is kept as it is. */
function rounded(v: unknown, seen = new Set<unknown>()): unknown {
  if (typeof v === 'number') return round(v);
  if (seen.has(v) || !(Array.isArray(v) || isPlain(v))) return v;
  seen.add(v);
  const out = Array.isArray(v)
    ? v.map((x) => rounded(x, seen))
    : Object.fromEntries(Object.entries(v).map(([k, x]) => [k, rounded(x, seen)]));
  seen.delete(v);
  return out;
}

const cell = (v: unknown) =>
  typeof v === 'number' ? String(round(v)) : typeof v === 'string' ? v : inspect(rounded(v), { breakLength: Infinity });

/** An array of plain records as a table: an index column, one column per key, right-aligned as pandas does. */
export function recordsTable(rows: readonly Record<string, unknown>[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const grid = [['', ...keys], ...rows.map((r, i) => [String(i), ...keys.map((k) => (k in r ? cell(r[k]) : ''))])];
  const widths = grid[0]!.map((_, c) => Math.max(...grid.map((row) => row[c]!.length)));
  return grid.map((row) => row.map((v, c) => v.padStart(widths[c]!)).join('  ')).join('\n');
}

export function plainText(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value) && value.length > 0 && value.every(isPlain)) return recordsTable(value);
  return inspect(rounded(value), { depth: plainTree(value) ? Infinity : 2, colors: false, maxArrayLength: 100 });
}
