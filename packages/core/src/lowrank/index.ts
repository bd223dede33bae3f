export { factorize, type FactorizeResult } from './factorize.js';
export type { FactorizeOptions, FactorizeMethod } from './options.js';
export { svdFactors, pcaFactors, rankForEnergy, cumulativeEnergy } from './factors.js';
