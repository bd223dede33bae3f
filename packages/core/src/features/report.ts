/** The `features` report: which input features input pruning kept, and accuracy per round. */

export interface FeatureScore {
  /** Index in the original input. */
  index: number;
  /** The feature's name when the data has names (a word), else null. */
  name: string | null;
  /** Its score in the last round that ranked it (higher = more important). */
  score: number;
}

export interface FeaturesReport {
  kind: 'features';
  version: 1;
  title: string;
  model: string;
  method: string;
  /** What the score measures, e.g. 'mean |∂loss/∂x|'. */
  criterion: string;
  featuresBefore: number;
  featuresAfter: number;
  paramsBefore: number;
  paramsAfter: number;
  /** For pixel features, the kept mask as a picture: values[r·cols + c] is 1 when kept. */
  mask: { rows: number; cols: number; values: number[] } | null;
  /** The highest-scoring kept features, best first (at most 30). */
  top: FeatureScore[];
  /** Round 0 is the model before pruning; accuracy is on `evaluatedOn`. */
  rounds: { round: number; features: number; accuracy: number; loss: number }[];
  evaluatedOn: string;
}
