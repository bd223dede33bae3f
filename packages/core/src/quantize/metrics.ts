import { histogram, type QuantizationLayer } from '@whittle/report';

/** Error statistics of a quantized weight against the original. */
export function errorStats(original: Float32Array, quantized: Float32Array) {
  let se = 0;
  let signal = 0;
  let maxError = 0;
  const error = new Float32Array(original.length);
  for (let i = 0; i < original.length; i++) {
    const e = quantized[i]! - original[i]!;
    error[i] = e;
    se += e * e;
    signal += original[i]! * original[i]!;
    maxError = Math.max(maxError, Math.abs(e));
  }
  const mse = se / Math.max(1, original.length);
  // SQNR = 10·log10(Σw² / Σ(w − ŵ)²); exact reconstruction has no finite SQNR
  const sqnrDb = se === 0 ? null : 10 * Math.log10(signal / se);
  return { mse, sqnrDb, maxError, error };
}

export function layerRow(args: {
  name: string;
  bits: number;
  scheme: string;
  perChannel: boolean;
  scales: ArrayLike<number>;
  original: Float32Array;
  quantized: Float32Array;
}): QuantizationLayer {
  const { mse, sqnrDb, maxError, error } = errorStats(args.original, args.quantized);
  const lim = args.original.reduce((m, v) => Math.max(m, Math.abs(v)), 0) || 1;
  const scales = Array.from(args.scales);
  return {
    name: args.name,
    bits: args.bits,
    scheme: args.scheme,
    granularity: args.perChannel ? 'per-channel' : 'per-tensor',
    scaleMin: scales.length ? Math.min(...scales) : 0,
    scaleMax: scales.length ? Math.max(...scales) : 0,
    mse,
    sqnrDb,
    maxError,
    errorHistogram: histogram(error, 61),
    weightHistogram: { before: histogram(args.original, 101, [-lim, lim]), after: histogram(args.quantized, 101, [-lim, lim]) },
  };
}
