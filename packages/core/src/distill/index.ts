export { distill, type DistillOptions, type DistillResult } from './distill.js';
export { distillationLoss, distillationTerms, type DistillLossTerms } from './loss.js';
export { logitsView, classifierHead } from './logits.js';
export { shrinkWidth, type ShrinkOptions } from './shrink.js';
export { teacherTerm, DEFAULT_ALPHA, DEFAULT_TEMPERATURE, type TeacherOptions, type TeacherTerm } from './teacher.js';
export type { DistillationEpoch } from './report.js';
