"""Interrupts a long magic (fine-tuning) through Jupyter's interrupt (SIGINT, interrupt_mode 'signal').

Prints JSON: the interrupted cell's status and ename, whether the kernel still answers,
and whether the input model's weights are unchanged.
"""
import json
import threading
import time

from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name="whittle-test")
setup = 'import { lenet300100, mnist } from "@whittle/core";\nconst model = lenet300100({ pretrained: true });\nconst { train } = mnist();\nconst checksum = () => model.getWeights().reduce((s, w) => s + w.sum().dataSync()[0], 0);\nconst before = checksum();'
kc.execute_interactive(setup, timeout=120)
outputs = []
timer = threading.Timer(4.0, km.interrupt_kernel)
timer.start()
t0 = time.time()
reply = kc.execute_interactive("%prune model --sparsity 0.9 --fine-tune train --epochs 20", timeout=300, output_hook=lambda m: outputs.append(m))
elapsed = time.time() - t0
errors = [m["content"]["ename"] for m in outputs if m["msg_type"] == "error"]
evalues = [m["content"]["evalue"] for m in outputs if m["msg_type"] == "error"]
after = []
kc.execute_interactive("checksum() === before", timeout=60, output_hook=lambda m: after.append(m))
same = [m["content"]["data"]["text/plain"] for m in after if m["msg_type"] == "execute_result"]
print(json.dumps({"status": reply["content"]["status"], "errors": errors, "evalues": evalues, "seconds": round(elapsed, 1), "unchanged": same, "alive": km.is_alive()}))
kc.stop_channels()
km.shutdown_kernel(now=True)
