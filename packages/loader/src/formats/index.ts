/**
 * The registry of Whittle's formats: where each keeps its metadata in
 * model.json (`userDefinedMetadata[key]`), and a decoder per version. A new
 * format or version is one entry here plus its decoder file.
 */
import { decodeDeep, DEEP_FORMAT, DEEP_VERSION } from './deep.js';
import { decodePacked, PACKED_FORMAT, type PackedEntry } from './packed.js';

/** Decodes one weight's bytes to float32; `bad(what)` throws a one-line error naming the file. */
export type WeightDecoder<E> = (bytes: Uint8Array, entry: E, bad: (what: string) => never) => Float32Array;

/** Per shard file (as the manifest names it): its byte length and CRC-32. */
export type ShardChecksums = Record<string, { bytes: number; crc32: number }>;

/** What every Whittle format's metadata holds, once normalized. */
export interface FormatMetadata {
  format: string;
  version: number;
  shards?: ShardChecksums;
  /** Per encoded weight (manifest name): at least its real shape (and its layer, if not the name's prefix). */
  weights: Record<string, { shape: number[]; layer?: string }>;
  /** CRC-32 of weights' stored bytes, by manifest name, checked before decoding so corruption names its layer. */
  checksums?: Record<string, number>;
}

interface Format {
  key: string;
  name: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each version's decoder reads its own entry type
  versions: Record<number, WeightDecoder<any>>;
  /** Older files whose metadata had another layout. */
  legacy?: (raw: Record<string, unknown>) => FormatMetadata | undefined;
}

export const FORMATS: Format[] = [
  {
    key: 'whittlePacked',
    name: PACKED_FORMAT,
    versions: { 1: decodePacked, 2: decodePacked },
    // version 1 was the bare { name: PackedEntry } map, without checksums
    legacy: (raw) =>
      raw.format === undefined ? { format: PACKED_FORMAT, version: 1, weights: raw as Record<string, PackedEntry> } : undefined,
  },
  // version 2 added each spec's codebook axis; version 1 specs decode the same without it
  { key: 'whittleDeep', name: DEEP_FORMAT, versions: { 1: decodeDeep, [DEEP_VERSION]: decodeDeep } },
];

export interface FoundFormat extends FormatMetadata {
  decode: WeightDecoder<unknown>;
}

/** The Whittle formats a model.json uses, checked against what this loader reads. */
export function formatsOf(meta: Record<string, unknown> | undefined, bad: (what: string) => never): FoundFormat[] {
  const found: FoundFormat[] = [];
  for (const f of FORMATS) {
    const raw = meta?.[f.key];
    if (raw === undefined) continue;
    if (!raw || typeof raw !== 'object') bad(`userDefinedMetadata.${f.key} must be an object`);
    const m = f.legacy?.(raw as Record<string, unknown>) ?? (raw as FormatMetadata);
    const decode = f.versions[m.version];
    if (m.format !== f.name || !decode)
      bad(
        `${String(m.format)} version ${String(m.version)} is not supported (this loader reads ${f.name} version ${Object.keys(f.versions).join(', ')})`,
      );
    if (!m.weights || typeof m.weights !== 'object') bad(`${f.name} metadata has no weights`);
    for (const key of ['shards', 'checksums'] as const)
      if (m[key] !== undefined && (!m[key] || typeof m[key] !== 'object')) bad(`${f.name} metadata's ${key} must be an object`);
    found.push({ ...m, decode });
  }
  return found;
}
