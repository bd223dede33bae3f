export { KernelServer } from './server.js';
export { install, type InstallOptions } from './install.js';
export { splitCell, type Segment } from './rewrite.js';
export {
  MAGICS,
  findMagic,
  help,
  parseArgs,
  tokenize,
  usage,
  UsageError,
  NameError,
  type Magic,
  type MagicContext,
  type MagicResult,
} from './magics/index.js';
