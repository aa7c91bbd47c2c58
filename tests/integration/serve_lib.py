"""serve_lib.py - `lnob serve` started for a test, shared by serve_test.py and examples_test.py."""

import re
import signal
import subprocess
import time


def start(lnob, args):
    """lnob serve with args, once it says where it serves: (process, base URL)."""
    proc = subprocess.Popen([lnob, "serve", *args], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        m = re.search(r"serving on (http://127\.0\.0\.1:\d+)", line)
        if m:
            return proc, m.group(1)
        if not line and proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"lnob serve did not start: {line}")


def stop(proc):
    """SIGTERM; the exit code."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)
