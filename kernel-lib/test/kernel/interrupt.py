"""Interrupts a long magic cell on a Jupyter kernel the way JupyterLab does, and prints what happened as JSON.

Used by kernel.test.ts: the kernel is started from its kernelspec (jupyter_client, as JupyterLab's server does),
the setup cells run, then the long cell is sent; once the kernel shows the cell's progress (an output whose text
starts with "running"), the client interrupts the kernel (the kernelspec's interrupt_mode: SIGINT) and reads
the cell's messages until its execute_reply. Then the after cells run on the same kernel.

    python interrupt.py KERNEL_NAME SPEC.json   (SPEC: {"setup": [...], "long": "...", "after": [...]})
"""

import json
import signal
import subprocess
import sys
import time

from jupyter_client.manager import start_new_kernel


def text_of(content):
    data = content.get("data") or {}
    return content.get("text") or data.get("text/plain") or ""


def execute(client, code, on_output=None, timeout=300):
    """Runs `code`; returns its outputs (msg_type, text, ename, evalue) and the reply's content."""
    msg_id = client.execute(code, stop_on_error=False)
    outputs = []
    deadline = time.monotonic() + timeout
    while True:
        msg = client.get_iopub_msg(timeout=max(1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind in ("display_data", "update_display_data", "stream", "error", "execute_result", "clear_output"):
            out = {"type": kind, "text": text_of(content)}
            if kind == "error":
                out.update(ename=content["ename"], evalue=content["evalue"], traceback=content["traceback"])
            outputs.append(out)
            if on_output:
                on_output(out)
        if kind == "status" and content["execution_state"] == "idle":
            break
    reply = client.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id or reply["msg_type"] != "execute_reply":
        reply = client.get_shell_msg(timeout=60)
    return {"code": code, "outputs": outputs, "reply": {k: reply["content"].get(k) for k in ("status", "ename", "evalue")}}


def main():
    # Killed on a timeout by the test: shut the kernel down on the way out (finally below), or the kernel would
    # outlive us holding our stdout, and the test would wait for it to close.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    kernel_name, spec_path = sys.argv[1], sys.argv[2]
    with open(spec_path) as f:
        spec = json.load(f)
    # The kernel's own stdout/stderr are not ours: a kernel (or a process of its) that outlived us would hold
    # our stdout open, and the test would wait for it to close.
    km, client = start_new_kernel(
        kernel_name=kernel_name, startup_timeout=120, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        setup = [execute(client, c) for c in spec["setup"]]
        interrupted_at = {}

        def interrupt_on_progress(out):
            if not interrupted_at and out["text"].startswith("running"):
                interrupted_at["progress"] = out["text"]
                km.interrupt_kernel()

        started = time.perf_counter()
        long = execute(client, spec["long"], interrupt_on_progress)
        long["s"] = time.perf_counter() - started
        long["progress"] = interrupted_at.get("progress")
        after = [execute(client, c) for c in spec["after"]]
        json.dump({"setup": setup, "long": long, "after": after}, sys.stdout)
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
