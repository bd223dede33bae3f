/**
 * The deep format's decoder lives in @whittle/loader, once, shared with
 * browsers (its layout is documented there, formats/deep.ts); core writes it
 * (encode.ts, artifacts.ts). This module keeps the names core's code uses.
 */
import { decodeDeep, WhittleLoadError, type DeepTensorSpec } from '@whittle/loader';
export { crc32, DEEP_FORMAT, DEEP_VERSION, type DeepTensorSpec, type DeepMetadata } from '@whittle/loader';

/** Decodes one clustered kernel; errors name `where` (the file) and the layer. */
export function decodeDeepTensor(bytes: Uint8Array, spec: DeepTensorSpec, where: string): Float32Array {
  return decodeDeep(bytes, spec, (what) => {
    throw new WhittleLoadError(where, `layer '${spec.layer}' is corrupt or truncated (${what})`);
  });
}
