"""Jupyter's own protocol test suite (Debian's python3-jupyter-kernel-test) against the Whittle kernel.

Run by test/kernel/kernel.test.ts with JUPYTER_PATH pointing at a freshly installed kernelspec
and the repository root as working directory (so notebooks can import @whittle/core).
"""
import unittest

import jupyter_kernel_test as jkt


class WhittleKernelTests(jkt.KernelTests):
    kernel_name = "whittle-test"
    language_name = "typescript"
    file_extension = ".ts"

    code_hello_world = 'console.log("hello, world")'
    code_stderr = 'console.error("oops")'

    completion_samples = [
        {"text": "%pru", "matches": {"%prune", "%prune_inputs"}},
        {"text": "%%ti", "matches": {"%%time"}},
    ]
    complete_code_samples = ["1 + 1", "const x = 1;", "%prune m --sparsity 0.5"]
    incomplete_code_samples = ["function f() {", "const xs = ["]

    code_page_something = "%prune?"
    code_generate_error = 'throw new Error("boom")'
    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"a" + "b"', "result": "'ab'"},
        {"code": "7 % 3", "result": "1"},
    ]
    code_display_data = [
        {"code": 'import { lenet5 } from "@whittle/core";\nconst m = lenet5();\n%summary m', "mime": "application/vnd.whittle.report+json"},
        {"code": 'import * as tslab from "tslab";\ntslab.display.html("<b>hi</b>")', "mime": "text/html"},
    ]
    code_history_pattern = "6 *"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "Math.max"


if __name__ == "__main__":
    unittest.main()
