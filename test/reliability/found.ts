/**
 * Failures the fuzzers found, now fixed, with what reproduces them:
 * `WHITTLE_FUZZ_SEED=<seed>` on the property (fast-check prints the path of
 * the shrunk case). bench/reliability.ts lists them in bench/README.md.
 */
export interface Found {
  category: 'operations' | 'options' | 'files' | 'kernel' | 'issue';
  property: string;
  seed: number | null;
  /** What went wrong, shrunk. */
  failure: string;
  fix: string;
}

export const FOUND: Found[] = [
  {
    category: 'issue',
    property: 'NaN / Infinity weights',
    seed: null,
    failure:
      'prune(LeNet-300-100 with one NaN and one Inf in fc1, { sparsity: 0.5 }) removed 93.8 % of fc1 (NaN comparisons broke the threshold)',
    fix: "every operation that derives numbers from weights rejects NaN/±Infinity: `prune: weight 'fc1/kernel' has NaN at index 0 (…)`",
  },
  {
    category: 'issue',
    property: 'NaN / Infinity weights',
    seed: null,
    failure: "saveModel(m, dir, { quantization: 'uint8' }) with NaN weights succeeded silently",
    fix: 'lossy saves reject non-finite weights; a float32 save keeps them bit for bit',
  },
  {
    category: 'issue',
    property: 'NaN / Infinity weights',
    seed: null,
    failure: 'summary reported nothing unusual for a model with NaN weights',
    fix: 'summary counts NaN/±Infinity per layer and in the totals (a NaN/Inf column and a note when any)',
  },
  {
    category: 'issue',
    property: 'save to an impossible path',
    seed: null,
    failure: "saveModel to a path under a file threw raw `EEXIST: file already exists, mkdir '…'`",
    fix: '`saveModel: cannot save to DIR: FILE is a file, not a folder`; other fs failures are one line too; the previous folder is restored and the temp folder removed',
  },
  {
    category: 'operations',
    property: 'save → load: lossless bit-exact, lossy = in-memory',
    seed: 22,
    failure: 'simulateExport leaked the decoded weight tensors (2 per call)',
    fix: 'dispose them after setWeights copies them',
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 22,
    failure: 'quantize(m, { equalize: true, perLayer: { nope: 8 } }) leaked 8 tensors when it rejected the options',
    fix: 'the folded / equalized intermediates are freed in a finally',
  },
  {
    category: 'options',
    property: 'not a model / not a path',
    seed: 22,
    failure: "loadModel(NaN) threw Node's raw TypeError about paths[0]",
    fix: '`loadModel: path must be a model.json or the folder holding it, got NaN`',
  },
  {
    category: 'options',
    property: 'prune options × generated models',
    seed: 22,
    failure: 'prune(m, { method: Object.create(null) }) threw a raw TypeError while building its own error message',
    fix: 'errors print values with show(), which never throws (also granularity, scope, compensate, observer, technique, scheme, mode)',
  },
  {
    category: 'files',
    property: 'loadModel on faulted folders of every format',
    seed: 22,
    failure: "a weights entry with shape null threw a raw TypeError (reading 'reduce')",
    fix: "model.json's weights entries are checked: name, shape of non-negative integers, known dtype and quantization dtype",
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 22,
    failure:
      "quantize(m, { skip: NaN }) threw a raw TypeError (patterns.some is not a function); prune's skip and sensitivity's layers likewise",
    fix: 'checkNames: skip / layers must be a list of layer names or globs',
  },
  {
    category: 'files',
    property: 'loadModel on faulted folders of every format',
    seed: 22,
    failure: "a flipped byte in model.json gave a 1,021-character error quoting tfjs's whole config",
    fix: "tfjs's cause is cut to 200 characters",
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 22,
    failure: 'quantize(m, { weights: { scheme: [] } }) failed as `quantizeTensor: …`, not naming quantize',
    fix: 'quantize checks weights.scheme, perChannel and scale itself',
  },
  {
    category: 'operations',
    property: 'quantizeTensor: error ≤ scale/2, zero exact',
    seed: 5,
    failure: 'weights of ~1.9e-38 at 14 bits gave a subnormal float32 scale (2.3e-42) and a round-trip error of 5.3e-42 > scale/2',
    fix: 'scales are at least the smallest normal float32 (2^-126)',
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 5,
    failure: 'sensitivity(m, d, { technique: Object.create(null) }) threw a raw TypeError',
    fix: 'technique is looked up only if it is a string the table owns',
  },
  {
    category: 'files',
    property: 'loadModel on faulted folders of every format',
    seed: 5,
    failure:
      "a functional model.json whose layer was renamed, whose node index was 1e308, or whose layer lost its name made loadModel hang forever inside tfjs's deserializer",
    fix: 'loadModel checks the graph first: every reference names a defined layer, an existing node and tensor; functional layers have unique names',
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 22,
    failure: 'sensitivity(m, d, { technique: "prune", levels: NaN }) threw a raw TypeError (levels is not iterable)',
    fix: 'levels must be a non-empty list of numbers',
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 25,
    failure: 'sensitivity(m, d, { onProgress: 1 }) threw a raw TypeError (options.onProgress is not a function) after the first point',
    fix: 'onProgress must be a function, checked up front',
  },
  {
    category: 'options',
    property: 'every operation × generated options',
    seed: 41,
    failure:
      "saveModel(m, dir, { quantization: Object.create(null) }) threw a raw TypeError while building its error (main's export.ts had String(mode) again)",
    fix: 'show(mode)',
  },
  {
    category: 'files',
    property: 'loadModel on faulted folders of every format',
    seed: 22,
    failure:
      'a deep-format folder whose metadata entry had shape: 3000000 (not a list) threw a raw TypeError (spec.shape.reduce is not a function); found at WHITTLE_FUZZ_SCALE=10 once the fuzz covered the deep format',
    fix: "the deep decoder checks each entry's form (and bounds its shape) before sizing anything from it, as the packed one does",
  },
  {
    category: 'kernel',
    property: 'test/kernel/stress.py: random API calls with bad arguments',
    seed: 22,
    failure: 'w.fineTune(m) and w.evaluate(m) without data threw raw TypeErrors (reading "size" of undefined)',
    fix: 'fit, fineTune and evaluate check their data argument: `evaluate: data must be a Dataset (…), got undefined`',
  },
  {
    category: 'kernel',
    property: 'test/kernel/stress.py: failures nobody awaits',
    seed: 22,
    failure:
      "a cell's `Promise.reject(…)` that nobody awaited ended the kernel process (tfjs-backend-wasm's Emscripten glue rethrows unhandled rejections)",
    fix: 'the kernel keeps only its own unhandledRejection / uncaughtException handlers, which report and go on',
  },
  {
    category: 'kernel',
    property: 'test/kernel/stress.py: interrupt during a cell',
    seed: 22,
    failure:
      "an interrupt landing in synchronous tfjs code (vm's breakOnSigint terminates without running finally blocks) left tfjs's name scope pushed: every later model's weights were named 'lenet-300-100/fc1/dense_Dense3/kernel' and its saves no longer loaded",
    fix: 'interrupts are cooperative: the kernel handles SIGINT between tasks; awaited work ends at once and Whittle loops stop at their next step',
  },
  {
    category: 'kernel',
    property: 'test/kernel/stress.py: interrupt during an API fine-tune',
    seed: 22,
    failure:
      'an interrupted `await w.fineTune(m, train, { epochs: 50 })` ended the cell, but the training went on in the background, competing with later cells',
    fix: "the kernel's interrupt bumps a global counter (core's interruptWork) that fit checks every batch: KeyboardInterrupt, no tensors left",
  },
];
