"""complete_request through the real kernel: magic flags, enumerated values and typed operands.

Prints JSON: for each probe (code, cursor at its end), the matches and cursor_start.
"""
import json

from jupyter_client.manager import start_new_kernel

km, kc = start_new_kernel(kernel_name="whittle-test")
setup = 'import { lenet5, mnist } from "@whittle/core";\nconst ref = lenet5();\nconst { train, test } = mnist({ layout: "image", limit: 100 });\nconst n = 3;'
kc.execute_interactive(setup, timeout=120)
probes = ["%prune ref --sp", "%prune ref --method ", "%prune ", "%prune ref --fine-tune ", "%time %prune ref --sp", "const s = %quantize ref --bi", "Math.ma"]
out = {}
for code in probes:
    msg_id = kc.complete(code, len(code))
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    out[code] = {"matches": sorted(reply["content"]["matches"]), "start": reply["content"]["cursor_start"]}
print(json.dumps(out))
kc.stop_channels()
km.shutdown_kernel(now=True)
