import { autoCompress, measureSearch, mnist, referenceModel } from '@whittle/core';
import { choicesOf, FULL, gzipOf } from './auto-common.js';
import { disposeAll, fmt, pct, type Figure } from './harness.js';

/**
 * LeNet-300-100 (all Dense, where low rank shines): autoCompress with prune + quantize against prune + quantize +
 * factorize, same budgets, data and fine-tuning; one search per technique set, reused across budgets.
 * Quick mode (CI): 600 digits and a small grid, so it costs seconds.
 */
export async function factorizeRows(quick: boolean, epochs: number, log: (l: string) => void) {
  const model = referenceModel('lenet-300-100', { pretrained: true });
  const data = mnist(quick ? { limit: 600 } : {});
  const grid = quick ? { sparsities: [0, 0.9], bits: [32, 4, 2], ranks: [0.125] } : { ...FULL, ranks: [0.5, 0.25, 0.125, 0.0625] };
  const calibrationSamples = quick ? 200 : 1000;
  const divisors = quick ? [32] : [32, 48];
  const fp32 = await gzipOf(model, {});
  const level = (l: { name: string; sparsity: number; bits: number; rank?: number }) =>
    `${l.name} ${[l.rank ? `rank ${l.rank}` : '', l.sparsity ? `${Math.round(l.sparsity * 100)}% sparse` : '', l.bits < 32 ? `${l.bits}-bit` : 'fp32'].filter(Boolean).join(', ')}`;
  const results = new Map<number, (string | number)[][]>(divisors.map((d) => [d, []]));
  const accuracy = new Map<string, number>();
  const figures: Figure[] = [];
  const text: string[] = [];
  for (const techniques of [
    ['prune', 'quantize'],
    ['prune', 'quantize', 'factorize'],
  ] as const) {
    const name = techniques.join(' + ');
    const ranks = techniques.length === 3 ? grid.ranks : [];
    const choices = [...choicesOf(grid), ...ranks.flatMap((rank) => grid.bits.map((bits) => ({ sparsity: 0, bits, rankFraction: rank })))];
    const s = await measureSearch(model, data.train, data.test, {
      choices,
      size: 'gzip',
      workers: 2,
      calibrationSamples,
      seed: 0,
      baselines: false,
    });
    log(`LeNet-300-100 ${name}: search ${s.seconds.toFixed(1)} s`);
    text.push(`${name}: search ${fmt(s.seconds)} s (${s.points} points)`);
    for (const divisor of divisors) {
      const budget = Math.floor(fp32 / divisor);
      const auto = await autoCompress(
        model,
        {
          train: data.train,
          test: data.test,
          budget: { bytes: budget },
          techniques: [...techniques],
          epochs,
          workers: 2,
          calibrationSamples,
          sparsities: grid.sparsities,
          bits: grid.bits,
          ...(ranks.length ? { ranks } : {}),
          baselines: false,
        },
        { search: s },
      );
      const chosen = auto.report.rounds.find((r) => r.round === auto.report.chosenRound)!;
      auto.model.dispose();
      accuracy.set(`${name} ${divisor}`, chosen.accuracy);
      results
        .get(divisor)!
        .push([
          `LeNet-300-100 1/${divisor} (${budget.toLocaleString('en-US')} B), ${name}`,
          `${pct(chosen.accuracy)} (${chosen.bytes.toLocaleString('en-US')} B, round ${chosen.round}${chosen.met ? '' : ', MISSED'})`,
          auto.report.layers.map((l) => level(l)).join('; '),
          '–',
          '–',
          '–',
          `${pct(Math.max(0, chosen.predictedAccuracy))} / ${pct(chosen.accuracyBeforeFineTune)}`,
        ]);
      figures.push({ name: `LeNet-300-100: ${name} accuracy at 1/${divisor}`, value: chosen.accuracy, unit: 'fraction' });
    }
  }
  for (const divisor of divisors) {
    const gain = accuracy.get(`prune + quantize + factorize ${divisor}`)! - accuracy.get(`prune + quantize ${divisor}`)!;
    text.push(`1/${divisor}: factorize adds ${gain >= 0 ? '+' : ''}${(gain * 100).toFixed(2)} pp`);
  }
  disposeAll(model, data.train, data.test);
  return {
    rows: divisors.flatMap((d) => results.get(d)!),
    figures,
    note:
      `LeNet-300-100 rows: autoCompress with and without factorize (ranks ${grid.ranks.join(', ')} of full rank × the bit levels), ` +
      `same budgets and ${epochs} fine-tuning epoch(s), no uniform baseline; original ${fp32.toLocaleString('en-US')} gzip bytes` +
      `${quick ? '; quick mode: 600 digits, sparsity 0, 0.9 × bits 32, 4, 2' : ''}. ${text.join('; ')}.`,
  };
}
