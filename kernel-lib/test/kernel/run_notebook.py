"""Executes a notebook with a Jupyter kernel through nbclient and prints what happened as JSON.

Used by kernel.test.ts (the DT Lab kernel's tests): the kernel is started the way JupyterLab starts it (the
kernelspec installed in .venv), each code cell is executed in turn, and for every cell we report its
outputs (type, MIME types, text), how long it took, and how many update_display_data messages the kernel
sent for displays in it. Errors do not stop the run (allow_errors), so failure-path notebooks can be checked.

    python run_notebook.py NOTEBOOK KERNEL_NAME [TIMEOUT_S]   (the kernel inherits this environment)
"""

import json
import sys
import time

import nbformat
from nbclient import NotebookClient


class RecordingClient(NotebookClient):
    """nbclient, counting the display updates the kernel sends (nbclient applies them in place)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.updates = {}

    def process_message(self, msg, cell, cell_index):
        if msg["msg_type"] == "update_display_data":
            display_id = (msg["content"].get("transient") or {}).get("display_id")
            self.updates[display_id] = self.updates.get(display_id, 0) + 1
        return super().process_message(msg, cell, cell_index)


def text_of(output):
    if output["output_type"] == "stream":
        return output["text"]
    if output["output_type"] == "error":
        return "\n".join([output["ename"], output["evalue"], *output["traceback"]])
    return output.get("data", {}).get("text/plain", "")


def main():
    path, kernel_name = sys.argv[1], sys.argv[2]
    timeout = int(sys.argv[3]) if len(sys.argv) > 3 else 300
    nb = nbformat.read(path, as_version=4)
    client = RecordingClient(nb, kernel_name=kernel_name, timeout=timeout, allow_errors=True)
    cells = []
    started = time.perf_counter()
    first_result_s = None
    with client.setup_kernel():
        kernel_ready_s = time.perf_counter() - started
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            t0 = time.perf_counter()
            client.execute_cell(cell, index)
            ms = (time.perf_counter() - t0) * 1000
            if first_result_s is None:
                first_result_s = time.perf_counter() - started
            cells.append({"index": index, "source": cell.source, "ms": ms, "execution_count": cell.execution_count})
    # Outputs are read after the run: later cells' display updates have replaced earlier outputs in place.
    for c in cells:
        cell = nb.cells[c["index"]]
        c["outputs"] = [
            {
                "type": o["output_type"],
                "mimes": sorted(o.get("data", {}).keys()),
                "data": o.get("data", {}),
                "text": text_of(o),
                **({"ename": o["ename"], "evalue": o["evalue"]} if o["output_type"] == "error" else {}),
            }
            for o in cell.outputs
        ]
    json.dump(
        {
            "kernel_ready_s": kernel_ready_s,
            "first_result_s": first_result_s,
            "cells": cells,
            "updates": client.updates,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
