/**
 * The linear algebra of low-rank factorization, on plain row-major arrays.
 * A layer's kernel is viewed as a matrix W (rows = inputs, or kh·kw·cin for a
 * convolution; cols = outputs) and replaced by A (rows × r) then B (r × cols).
 * Decompositions use ml-matrix (float64).
 */
import { Matrix, SVD } from 'ml-matrix';

/** Two factors with A·B ≈ W, plus the bias of the second layer (null: none). */
export interface Factors {
  a: Float32Array;
  b: Float32Array;
  bias: Float32Array | null;
  rank: number;
}

function toMatrix(values: ArrayLike<number>, rows: number, cols: number): Matrix {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, values[i * cols + j]!);
  return m;
}

function toFloat32(m: Matrix): Float32Array {
  return Float32Array.from(m.to1DArray());
}

/** Singular values of W (descending) and its SVD, W = U·diag(s)·Vᵀ. */
export function svdOf(values: ArrayLike<number>, rows: number, cols: number): { s: number[]; u: Matrix; v: Matrix } {
  const svd = new SVD(toMatrix(values, rows, cols), { autoTranspose: true });
  return { s: svd.diagonal, u: svd.leftSingularVectors, v: svd.rightSingularVectors };
}

/**
 * The truncated SVD W ≈ (U_r·√S_r)(√S_r·V_rᵀ): the best rank-r approximation of
 * W in Frobenius norm (Eckart–Young). √S goes to both factors so they have the
 * same scale, which fine-tuning with one learning rate prefers.
 */
export function svdFactors(values: ArrayLike<number>, rows: number, cols: number, rank: number, bias: Float32Array | null): Factors {
  const { s, u, v } = svdOf(values, rows, cols);
  const root = s.slice(0, rank).map(Math.sqrt);
  const a = new Matrix(rows, rank);
  const b = new Matrix(rank, cols);
  for (let k = 0; k < rank; k++) {
    for (let i = 0; i < rows; i++) a.set(i, k, u.get(i, k) * root[k]!);
    for (let j = 0; j < cols; j++) b.set(k, j, v.get(j, k) * root[k]!);
  }
  return { a: toFloat32(a), b: toFloat32(b), bias, rank };
}

/**
 * Principal directions of a layer's outputs: `cov` is the (cols × cols)
 * covariance of its pre-activation outputs on calibration samples. Returns the
 * eigenvalues (descending, the variance along each direction) and the
 * eigenvectors as columns of M. The SVD of a symmetric PSD matrix is its
 * eigendecomposition, with the values already sorted.
 */
export function principalDirections(cov: ArrayLike<number>, cols: number): { variances: number[]; m: Matrix } {
  const svd = new SVD(toMatrix(cov, cols, cols));
  return { variances: svd.diagonal, m: svd.leftSingularVectors };
}

/**
 * Data-aware factors (Zhang et al. 2015): project the outputs y = Wᵀx + b onto
 * their top-r principal directions M_r around their mean ȳ,
 *   y' = ȳ + M_r M_rᵀ (y − ȳ) = M_rᵀ-projection of Wᵀx, mapped back, plus a bias,
 * so A = W·M_r, B = M_rᵀ, bias = ȳ + M_r M_rᵀ (b − ȳ). On samples whose outputs
 * lie in an r-dimensional affine subspace this is exact.
 */
export function pcaFactors(
  values: ArrayLike<number>,
  rows: number,
  cols: number,
  rank: number,
  bias: Float32Array | null,
  directions: Matrix,
  mean: ArrayLike<number>,
): Factors {
  const mr = directions.subMatrix(0, cols - 1, 0, rank - 1);
  const a = toMatrix(values, rows, cols).mmul(mr);
  const b = mr.transpose();
  const ybar = Matrix.columnVector(Array.from(mean));
  const shift = ybar.clone().neg();
  if (bias) shift.add(Matrix.columnVector(Array.from(bias)));
  const newBias = ybar.add(mr.mmul(b.mmul(shift)));
  return { a: toFloat32(a), b: toFloat32(b), bias: toFloat32(newBias), rank };
}

/** Fraction of Σ values kept by the first r: values are squared singular values or variances. */
export function cumulativeEnergy(values: readonly number[]): number[] {
  const total = values.reduce((s, v) => s + v, 0);
  let run = 0;
  return values.map((v) => {
    run += v;
    return total > 0 ? run / total : 1;
  });
}

/**
 * Smallest r whose cumulative energy reaches `energy`. A tolerance of 1e-5
 * lets energy 1 stop at the numerical rank instead of counting the float32
 * round-off left in the trailing values (weights, and output covariances
 * estimated in float32).
 */
export const ENERGY_TOLERANCE = 1e-5;

export function rankForEnergy(values: readonly number[], energy: number): number {
  const cumulative = cumulativeEnergy(values);
  const r = cumulative.findIndex((c) => c >= energy - ENERGY_TOLERANCE);
  return r < 0 ? values.length : r + 1;
}
