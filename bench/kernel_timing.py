"""Times the Whittle kernel through a real Jupyter client (Debian's jupyter_client).

Usage: python3 kernel_timing.py STARTS ROUNDS — JUPYTER_PATH must hold the 'whittle-bench' and
'tslab-plain' kernelspecs. Prints JSON: start-to-ready seconds, %prune round trips, and the
round trip of the same plain cell in Whittle's kernel and in plain tslab.
"""
import json
import sys
import time

from jupyter_client.manager import start_new_kernel

starts, rounds = int(sys.argv[1]), int(sys.argv[2])


def round_trip(kc, code):
    t0 = time.perf_counter()
    reply = kc.execute_interactive(code, timeout=120, output_hook=lambda m: None)
    assert reply["content"]["status"] == "ok", reply["content"]
    return time.perf_counter() - t0


result = {"start": [], "prune": [], "plain_whittle": [], "plain_tslab": []}
for _ in range(starts):
    t0 = time.perf_counter()
    km, kc = start_new_kernel(kernel_name="whittle-bench")
    result["start"].append(time.perf_counter() - t0)
    kc.stop_channels()
    km.shutdown_kernel(now=True)

km, kc = start_new_kernel(kernel_name="whittle-bench")
# plain cells first, in a fresh session like tslab's below (imports make every later type-check slower)
for i in range(rounds):
    result["plain_whittle"].append(round_trip(kc, f"const v{i} = {i} * 2;"))
round_trip(kc, 'import { lenet5 } from "@whittle/core";\nconst m = lenet5({ pretrained: true });')
for i in range(rounds):
    result["prune"].append(round_trip(kc, "%prune m --sparsity 0.8"))
kc.stop_channels()
km.shutdown_kernel(now=True)

km, kc = start_new_kernel(kernel_name="tslab-plain")
for i in range(rounds):
    result["plain_tslab"].append(round_trip(kc, f"const v{i} = {i} * 2;"))
kc.stop_channels()
km.shutdown_kernel(now=True)
print(json.dumps(result))
