"""serve_lib.py - `lnob serve` started for a test, shared by serve_test.py and examples_test.py."""

import os
import re
import signal
import subprocess
import sys
import tempfile
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


def workdir(prefix):
    """A private temporary directory (mode 0700) for one test's files."""
    work = tempfile.mkdtemp(prefix=prefix)
    os.chmod(work, 0o700)
    return work


def finish(failures, name):
    """Says what failed and exits 1, or says the test passed."""
    if failures:
        print("FAIL:", *failures, sep="\n  ", file=sys.stderr)
        sys.exit(1)
    print(f"{name}: ok")
