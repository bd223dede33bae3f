/** The `lowrank` report: what factorization did to each chosen layer. */

export interface LowrankLayer {
  name: string;
  type: string;
  /** Kernel shape before: [in, out] or [kh, kw, cin, cout]. */
  shape: number[];
  /** Singular values of the kernel (svd) or standard deviations of the outputs along their principal directions (pca), descending. */
  spectrum: number[];
  /** Cumulative fraction of Σ spectrum², one per rank 1…len. */
  cumulativeEnergy: number[];
  /** Rank asked for by the budget (the chosen r, even when the layer was left whole). */
  rank: number;
  /** min(rows, cols) of the kernel viewed as a matrix. */
  maxRank: number;
  /** True when the layer was replaced by two factors. */
  factorized: boolean;
  /** Why a layer was left whole (e.g. the factors would not be smaller). */
  reason: string | null;
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
}

export interface LowrankReport {
  kind: 'lowrank';
  version: 1;
  title: string;
  model: string;
  method: string;
  /** The budget as given, e.g. 'energy 0.9'. */
  budget: string;
  layers: LowrankLayer[];
  /** Whole model, every layer counted. */
  totals: { paramsBefore: number; paramsAfter: number; macsBefore: number; macsAfter: number };
}
