import { distill, evaluate, fineTune, lenet300100, mnist, shrinkWidth, prune, initBackend } from '@whittle/core';
await initBackend();
const teacher = lenet300100({ pretrained: true });
const n = Number(process.argv[2] ?? 1000);
const E = Number(process.argv[3] ?? 10);
const { train, test } = mnist({ layout: 'flat', limit: n });
const full = mnist({ layout: 'flat' });
const t = full.test;
console.log('teacher', evaluate(teacher, t).accuracy, 'train size', train.size, 'classes', new Set(train.labels).size);
for (const seed of [0, 1]) {
  const student = shrinkWidth(teacher, 0.25, { seed });
  const t0 = performance.now();
  const lab = evaluate((await fineTune(student, train, { epochs: E, seed })).model, t).accuracy;
  const out = [`seed ${seed} labels ${lab.toFixed(4)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`];
  for (const T of [1, 2, 4, 8]) {
    const r = await distill({ teacher, student, data: train, epochs: E, seed, temperature: T, alpha: 0.9 });
    out.push(`T${T} ${evaluate(r.model, t).accuracy.toFixed(4)}`);
  }
  console.log(out.join(' '));
}
const { model: sparse, masks } = prune(teacher, { sparsity: 0.95, scope: 'global' });
const { model: st } = prune(teacher, { sparsity: 0.75, granularity: 'neuron' });
console.log('one-shot 95%', evaluate(sparse, t).accuracy, 'structured 75%', evaluate(st, t).accuracy);
for (const ep of [1, 2]) {
  const a = evaluate((await fineTune(sparse, train, { masks, epochs: ep })).model, t).accuracy;
  const b = evaluate((await fineTune(sparse, train, { masks, epochs: ep, teacher })).model, t).accuracy;
  const c = evaluate((await fineTune(st, train, { epochs: ep })).model, t).accuracy;
  const d = evaluate((await fineTune(st, train, { epochs: ep, teacher })).model, t).accuracy;
  console.log(`ft ${ep}: 95% labels ${a} teacher ${b}; structured labels ${c} teacher ${d}`);
}
