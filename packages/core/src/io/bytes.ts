import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface ModelBytes {
  /** Bytes on disk of every file in the folder. */
  bytes: number;
  /** Bytes after gzip -9 of each file: what a server would send compressed. */
  gzipBytes: number;
  files: { name: string; bytes: number; gzipBytes: number }[];
}

/** What a saved model really costs: counted from the files, never from a formula. */
export function modelBytes(dir: string): ModelBytes {
  const files = readdirSync(dir)
    .filter((name) => statSync(join(dir, name)).isFile())
    .sort()
    .map((name) => {
      const data = readFileSync(join(dir, name));
      return { name, bytes: data.byteLength, gzipBytes: gzipSync(data, { level: 9 }).byteLength };
    });
  return {
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    gzipBytes: files.reduce((s, f) => s + f.gzipBytes, 0),
    files,
  };
}
