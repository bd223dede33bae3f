"""The Whittle kernel under stress, driven by a real Jupyter client (issue 22).

Usage: python3 stress.py WORKDIR SEED [API_CALLS=60]  (JUPYTER_PATH must hold the 'whittle-test' kernelspec).
Prints one JSON object, one key per scenario:
- background: failures nobody awaits (a rejected promise, a throwing timer) do not kill the kernel;
- api_interrupt: an interrupt stops an awaited API fine-tune, and the abandoned training stops too
  (its batch counter freezes) without leaking tensors;
- sync_interrupt: an interrupt during synchronous tfjs work leaves tfjs's state whole (fresh weight names, no leaks);
- save_interrupt: saves interrupted at random moments leave each folder whole: the old model or the
  new one, shards matching the manifest, no temporary folders;
- reassign: a model variable reassigned (and its old model disposed) while a fine-tune of it runs;
- api_fuzz: random API calls with bad arguments: every request answered, errors one line.
"""
import glob
import hashlib
import json
import os
import random
import sys
import threading
import time

from jupyter_client.manager import start_new_kernel

workdir, seed = sys.argv[1], int(sys.argv[2])
api_calls = int(sys.argv[3]) if len(sys.argv) > 3 else 60
rng = random.Random(seed)
km, kc = start_new_kernel(kernel_name="whittle-test")


def run(code, timeout=300):
    """Executes code; returns (status, enames, evalues, text of results and streams)."""
    outs = []
    reply = kc.execute_interactive(code, timeout=timeout, output_hook=outs.append)
    enames = [m["content"]["ename"] for m in outs if m["msg_type"] == "error"]
    evalues = [m["content"]["evalue"] for m in outs if m["msg_type"] == "error"]
    text = "".join(
        m["content"].get("text", "") if m["msg_type"] == "stream" else m["content"]["data"].get("text/plain", "")
        for m in outs
        if m["msg_type"] in ("stream", "execute_result")
    )
    return reply["content"]["status"], enames, evalues, text


def value(code):
    status, enames, evalues, text = run(code)
    if status != "ok":
        raise RuntimeError(f"{code!r} failed: {enames} {evalues}")
    return text.strip().splitlines()[-1]


def interrupted(code, delay):
    timer = threading.Timer(delay, km.interrupt_kernel)
    timer.start()
    try:
        return run(code)
    finally:
        timer.cancel()


result = {}
run(
    'import * as w from "@whittle/core";\nimport * as tf from "@tensorflow/tfjs";\n'
    "const { train } = w.mnist({ limit: 2000 });\n"
    "const batches = { n: 0 };\n"
    "const count = () => tf.memory().numTensors;\n"
    "const freshName = () => { const d = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] }); const n = d.weights[0]!.name; d.dispose(); return n; };"
)

# --- background failures -----------------------------------------------------------------------
bg = [run('Promise.reject(new Error("nobody awaits me")); "sent"')[0]]
bg.append(run('setTimeout(() => { throw new Error("a timer throws"); }, 10); "armed"')[0])
time.sleep(1.0)
bg.append(run("6 * 7")[0])
result["background"] = {"statuses": bg, "alive": km.is_alive()}

# --- an interrupted API fine-tune stops, and leaves no tensors behind ---------------------------
value("let m = w.lenet300100({ pretrained: true });\nconst m0 = m;\nconst tensors0 = count(); tensors0")
status, enames, _, _ = interrupted(
    "const tuned = await w.fineTune(m, train, { epochs: 50, onProgress: () => batches.n++ });", 4.0
)
time.sleep(1.5)  # let the abandoned training reach its next batch
n1 = int(value("batches.n"))
time.sleep(2.0)
n2 = int(value("batches.n"))
leaked = int(value("count() - tensors0"))
result["api_interrupt"] = {"status": status, "enames": enames, "progressed": n1 > 0, "stopped": n1 == n2, "leaked": leaked}
# an interrupt while synchronous tfjs code runs must not leave tfjs's scope stacks pushed
# (vm's breakOnSigint did: every model built afterwards got weight names like 'lenet-300-100/fc1/dense_Dense3/kernel')
value("const tensors1 = count(); tensors1")
status, _, _, _ = interrupted("let s = 0;\nfor (let i = 0; i < 40; i++) s += w.evaluate(m, train).accuracy;\ns", 1.0)
result["sync_interrupt"] = {"status": status, "name": value("freshName()").strip("'"), "leaked": int(value("count() - tensors1"))}

# --- saves interrupted at random moments ----------------------------------------------------------
# two big distinct models, so a save takes long enough to be interrupted in the middle
value(
    "const big = (seed: number) => { const s = tf.sequential({ layers: [tf.layers.dense({ units: 1024, inputShape: [2048], "
    "kernelInitializer: tf.initializers.randomNormal({ seed }) }), tf.layers.dense({ units: 1024, "
    "kernelInitializer: tf.initializers.randomNormal({ seed: seed + 1 }) })] }); return s; };\n"
    'const A = big(1), B = big(7); "built"'
)
formats = ["undefined", "'uint8'", "'packed'", "'float16'"]


def digest(folder):
    return hashlib.sha256(open(os.path.join(folder, "weights.bin"), "rb").read()).hexdigest()


# what a complete save of each model looks like, per format
complete = {}
for fmt in formats:
    for name in ("A", "B"):
        ref = os.path.join(workdir, f"ref-{name}-{formats.index(fmt)}")
        value(f"await w.saveModel({name}, {json.dumps(ref)}, {{ quantization: {fmt} }}); 'saved'")
        complete[(name, fmt)] = digest(ref)
folders, whole, outcomes, leftovers = 0, 0, {"old": 0, "new": 0}, []
for i in range(8):
    target = os.path.join(workdir, f"save{i}")
    fmt = formats[i % len(formats)]
    opts = f"{{ quantization: {fmt} }}"
    value(f"await w.saveModel(A, {json.dumps(target)}, {opts}); 'old'")
    interrupted(f"await w.saveModel(B, {json.dumps(target)}, {opts});", rng.uniform(0.0, 0.6))
    time.sleep(0.3)
    run("'sync'")  # the kernel answers: any save still running in the background has finished by now
    deadline = time.time() + 20
    while glob.glob(os.path.join(workdir, f".save{i}.whittle-*")) and time.time() < deadline:
        time.sleep(0.2)
    leftovers += glob.glob(os.path.join(workdir, f".save{i}.whittle-*"))
    folders += 1
    manifest = json.load(open(os.path.join(target, "model.json")))
    paths = [p for g in manifest["weightsManifest"] for p in g["paths"]]
    if sorted(os.listdir(target)) == sorted(["model.json", *paths]):
        d = digest(target)
        status, _, _, _ = run(f"(await w.loadLayersModel({json.dumps(target)})).countParams()")
        # whole: it loads, and its weights are exactly those of one complete save, the old or the new
        which = "old" if d == complete[("A", fmt)] else "new" if d == complete[("B", fmt)] else None
        if status == "ok" and which:
            whole += 1
            outcomes[which] += 1
result["save_interrupt"] = {"folders": folders, "whole": whole, "outcomes": outcomes, "leftovers": leftovers}

# --- a variable reassigned while a fine-tune of it runs -------------------------------------------
value("batches.n = 0; m = w.lenet300100({ pretrained: true }); const job = w.fineTune(m, train, { epochs: 1, onProgress: () => batches.n++ }); 'started'")
value("const old = m; m = w.lenet5(); old.dispose(); m.name")
status, enames, evalues, text = run("const r = await job;\n(await w.evaluate(r.model, train)).accuracy")
result["reassign"] = {
    "status": status,
    "enames": enames,
    "accuracy": float(text.strip().splitlines()[-1]) if status == "ok" else None,
    "batches": int(value("batches.n")),
    "model_now": value("m.name").strip("'"),
}
# the same through a magic: the queued reassignment runs after the magic, which trained the old model
value("let q = w.lenet300100({ pretrained: true }); q.layers.length")
magic_reply = kc.execute("%prune q --sparsity 0.5 --fine-tune train --epochs 1 --as pq")
kc.execute("q = w.lenet5();")
for _ in range(2):
    kc.get_shell_msg(timeout=300)
result["reassign"]["magic_trained_layers"] = int(value("pq.layers.length"))

# --- random API calls with bad arguments ----------------------------------------------------------
fns = ["prune", "quantize", "cluster", "factorize", "sensitivity", "evaluate", "summary", "saveModel", "loadModel", "fineTune", "latency", "compare"]
args = ["m", "undefined", "null", "1", '"x"', "{}", "[]", "train", "NaN", "m.layers[0]"]
keys = ["sparsity", "bits", "scope", "method", "clusters", "rank", "epochs", "levels", "sparsityx", "samples", "layers", "structured"]
vals = ["0.5", "-1", "2", "1e9", "NaN", "Infinity", '"global"', '"nope"', "null", "[]", "{}", "true"]
value("const W = w as any; 'untyped'")  # type errors would stop these calls at compile time
calls, answered, enames_seen, multiline, raw = 0, 0, {}, [], []
for i in range(api_calls):
    fn = rng.choice(fns)
    argv = [rng.choice(args) for _ in range(rng.randint(0, 2))]
    if rng.random() < 0.7:
        argv.append("{ " + ", ".join(f"{k}: {rng.choice(vals)}" for k in rng.sample(keys, rng.randint(1, 3))) + " }")
    code = f"await W.{fn}({', '.join(argv)}); 'done'"
    status, enames, evalues, _ = run(code, timeout=120)
    calls += 1
    answered += 1
    for e, v in zip(enames, evalues):
        enames_seen[e] = enames_seen.get(e, 0) + 1
        if "\n" in v:
            multiline.append(code)
        if e != "WhittleError":
            raw.append(f"{code} -> {e}: {v}")
result["api_fuzz"] = {"calls": calls, "answered": answered, "enames": enames_seen, "multiline": multiline, "raw": raw, "alive": run("1 + 1")[0] == "ok" and km.is_alive()}

kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps(result))
