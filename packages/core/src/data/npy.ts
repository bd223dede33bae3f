/**
 * A reader for NumPy's .npy format (version 1–3), hand-written because it is
 * 30 lines and the npm parsers are either browser-fetch oriented or barely
 * used. Format (numpy.lib.format): magic "\x93NUMPY", major, minor version
 * bytes, a little-endian header length (2 bytes in v1, 4 in v2/3), an ASCII
 * Python-dict header {'descr': '<f4', 'fortran_order': False, 'shape': (n, …)},
 * then the raw C-order data.
 */
import { fail } from '../errors.js';

const TYPES: Record<string, (b: ArrayBuffer, o: number, n: number) => ArrayLike<number>> = {
  '<f4': (b, o, n) => new Float32Array(b, o, n),
  '<f8': (b, o, n) => new Float64Array(b, o, n),
  '|u1': (b, o, n) => new Uint8Array(b, o, n),
  '|i1': (b, o, n) => new Int8Array(b, o, n),
  '<i4': (b, o, n) => new Int32Array(b, o, n),
  '<u2': (b, o, n) => new Uint16Array(b, o, n),
  '<i2': (b, o, n) => new Int16Array(b, o, n),
  '<i8': (b, o, n) => Float64Array.from(new BigInt64Array(b, o, n), Number),
  '|b1': (b, o, n) => new Uint8Array(b, o, n),
};

export function parseNpy(bytes: Uint8Array, file: string): { values: Float32Array; shape: number[] } {
  const magic = String.fromCharCode(...bytes.subarray(1, 6));
  if (bytes[0] !== 0x93 || magic !== 'NUMPY') fail('data', `${file} is not a .npy file (no \\x93NUMPY magic)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6]!;
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const start = major === 1 ? 10 : 12;
  const header = new TextDecoder().decode(bytes.subarray(start, start + headerLength));
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || shapeText === undefined) fail('data', `${file}: unreadable .npy header ${JSON.stringify(header.trim())}`);
  if (fortran) fail('data', `${file} is stored in Fortran order; save it with numpy.ascontiguousarray first`);
  const read = TYPES[descr];
  if (!read) fail('data', `${file} holds dtype '${descr}'; supported: ${Object.keys(TYPES).join(', ')}`);
  const shape = shapeText
    .split(',')
    .filter((s) => s.trim() !== '')
    .map((s) => Number(s.trim()));
  const n = shape.reduce((a, b) => a * b, 1);
  const offset = start + headerLength;
  const itemBytes = Number(/\d+$/.exec(descr)![0]);
  if (bytes.byteLength - offset < n * itemBytes)
    fail('data', `${file} is truncated: shape [${shape.join(', ')}] needs ${n * itemBytes} data bytes, found ${bytes.byteLength - offset}`);
  const copy = new Uint8Array(bytes.subarray(offset, offset + n * itemBytes)).buffer; // a copy: aligned, and not a Buffer's shared pool
  return { values: Float32Array.from(read(copy, 0, n)), shape };
}
