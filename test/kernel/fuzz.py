"""Sends random magic lines to a running Whittle kernel; every one must get a reply and the kernel must stay alive.

Usage: python3 fuzz.py N SEED  (JUPYTER_PATH must contain the 'whittle-test' kernelspec). Prints a JSON summary.
"""
import json
import random
import sys
import time

from jupyter_client.manager import start_new_kernel

n, seed = int(sys.argv[1]), int(sys.argv[2])
rng = random.Random(seed)
names = ["prune", "quantize", "summary", "evaluate", "sensitivity", "compare", "time", "timeit", "lsmagic", "nosuch", "", "%", "prune?"]
flags = ["--sparsity", "--bits", "--scope", "--method", "--structured", "--nm", "--skip", "--as", "--levels", "--samples", "--data", "--frob", "-n", "-r", "--"]
values = ["0.5", "2", "-1", "1e9", "NaN", "global", "filter", "2:4", "x:y", "m", "nope", "'unterminated", '"q q"', "$(rm -rf /)", "a|b", "{}", "", "0.1:0.9:0.1", "%", "\\"]

km, kc = start_new_kernel(kernel_name="whittle-test")
kc.execute_interactive('import { lenet300100 } from "@whittle/core";\nconst m = lenet300100();', timeout=120)
answered = 0
statuses = {}
t0 = time.time()
for i in range(n):
    parts = ["%" + rng.choice(names)]
    if rng.random() < 0.8:
        parts.append(rng.choice(["m", "nope", "1", "m m", ""]))
    for _ in range(rng.randint(0, 4)):
        parts.append(rng.choice(flags))
        if rng.random() < 0.7:
            parts.append(rng.choice(values))
    line = " ".join(parts)
    reply = kc.execute_interactive(line, timeout=60, output_hook=lambda msg: None)
    answered += 1
    statuses[reply["content"]["status"]] = statuses.get(reply["content"]["status"], 0) + 1
alive = kc.execute_interactive("1 + 1", timeout=60, output_hook=lambda msg: None)["content"]["status"] == "ok" and km.is_alive()
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps({"sent": n, "answered": answered, "statuses": statuses, "alive": alive, "seconds": round(time.time() - t0, 1)}))
