export { autoCompress, type AutoResult } from './auto.js';
export {
  parseBytes,
  budgetFromFlags,
  checkTechniques,
  TECHNIQUES,
  DEFAULT_LEARNING_RATES,
  type AutoOptions,
  type AutoProgress,
  type AutoTechnique,
  type Budget,
} from './options.js';
export { solveKnapsack, minimumCost, type KnapsackOption, type KnapsackResult } from './knapsack.js';
export { applyChoice, choiceBytes, describeChoice, type Choice, type PlanFormat, type SizeMeasure } from './choices.js';
export { buildPlanModel, realizePlan, measureSaved, saveOptionsFor, formatOf, type PlanChoices } from './apply.js';
export { measureSearch, calibrationSet, type Search, type LayerMeasure } from './search.js';
export { runPlans, type Crash } from './pool.js';
export { evaluatePlans, type PlanTask } from './evaluate-plans.js';
export { tunePlan, type TunedPlan, type RateTrial, type TuneSettings } from './tune.js';
