import { compressMagic, pruneMagic, quantizeMagic } from './compression.js';
import { clusterMagic } from './cluster.js';
import { factorizeMagic, pruneInputsMagic } from './dimensions.js';
import { distillMagic } from './distill.js';
import { dataMagic } from './data.js';
import { compareMagic, evaluateMagic, sensitivityMagic, summaryMagic } from './analysis.js';
import { cellTimeMagic, timeMagic, timeitMagic } from './timing.js';
import { help, type Magic } from './registry.js';

export const lsmagicMagic: Magic = {
  name: 'lsmagic',
  kind: 'line',
  example: '%lsmagic',
  group: 'help',
  summary: 'List the available magics.',
  define: (cmd) => cmd,
  run: async () => {
    const groups = new Map<string, string[]>();
    for (const m of MAGICS) groups.set(m.group, [...(groups.get(m.group) ?? []), `${m.kind === 'cell' ? '%%' : '%'}${m.name}`]);
    const lines = [...groups].map(([g, names]) => `${g}: ${names.join('  ')}`);
    return { text: ['Available magics (add ? for help, e.g. %prune?):', ...lines].join('\n') };
  },
};

export const MAGICS: Magic[] = [
  pruneMagic,
  quantizeMagic,
  clusterMagic,
  factorizeMagic,
  pruneInputsMagic,
  compressMagic,
  distillMagic,
  summaryMagic,
  evaluateMagic,
  sensitivityMagic,
  compareMagic,
  dataMagic,
  timeMagic,
  cellTimeMagic,
  timeitMagic,
  lsmagicMagic,
];

export function findMagic(name: string, kind: 'line' | 'cell'): Magic | undefined {
  return MAGICS.find((m) => m.name === name && m.kind === kind);
}

export { help };
export * from './registry.js';
