"""Checks an executed magics notebook: every expected output is there and valid.

Usage: python3 check_notebook.py EXECUTED.ipynb — prints one JSON object per cell (tag, output types, enames).
"""
import json
import sys

nb = json.load(open(sys.argv[1]))


def text(v):
    return "".join(v) if isinstance(v, list) else (v or "")


cells = []
for cell in nb["cells"]:
    if cell["cell_type"] != "code":
        continue
    outs = cell.get("outputs", [])
    cells.append(
        {
            "tag": (cell.get("metadata", {}).get("tags") or [""])[0],
            "types": [o["output_type"] for o in outs],
            "enames": [o.get("ename") for o in outs if o["output_type"] == "error"],
            "tracebacks": [o.get("traceback") for o in outs if o["output_type"] == "error"],
            "reports": [o["data"]["application/vnd.whittle.report+json"] for o in outs if "data" in o and "application/vnd.whittle.report+json" in o["data"]],
            "text": "".join(text(o.get("text")) for o in outs if o["output_type"] == "stream") + "\n".join(text(o.get("data", {}).get("text/plain")) for o in outs if "data" in o),
        }
    )
print(json.dumps(cells))
