#!/usr/bin/python3
"""browser_test.py SOURCE_DIR BIN_DIR BUILD_DIR - lnob serve's web page in headless Chromium.

Sets up what page_test.mjs looks at: a private Redis kept by `lnob run --keep`, filled with
the demo's data (a generated 2022 SILC file, so the trend has two years; the merged sample
data/sample/silc_demo.csv for 2023; the MIS exports of data/sample/mis_2024/), and `lnob
serve` on a free port. Installs playwright-core with `npm ci` into BUILD_DIR/web/node (never
the source tree), then runs page_test.mjs with Debian's /usr/bin/chromium (LNOB_CHROMIUM to
use another); its screenshot lands in BUILD_DIR/web/screenshot.png. The page test stores the
four UDB files of data/sample/udb4_2023/ as the new 2023 extract while the page is open.
Exits 77 (skipped) only when node or chromium is absent; anything else that goes wrong fails."""

import json
import os
import re
import shutil
import subprocess
import sys
import time

SRC, BIN, BUILD = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import serve_lib  # noqa: E402

LNOB = os.path.join(BIN, "lnob")
SAMPLE = os.path.join(SRC, "data", "sample")
HERE = os.path.dirname(os.path.abspath(__file__))
RUN_TIMEOUT_S = 300
NPM_TIMEOUT_S = 300
PAGE_TIMEOUT_S = 300
DEMO_KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def check(ok, what, *details):
    if not ok:
        print("browser_test: FAIL:", what, *details, sep="\n", file=sys.stderr)
        sys.exit(1)


def tools():
    """(node, chromium), or exit 77 when either is absent."""
    node = shutil.which("node")
    chromium = os.environ.get("LNOB_CHROMIUM", "/usr/bin/chromium")
    if not node or not os.access(chromium, os.X_OK):
        print(f"browser_test: SKIP: needs node ({node or 'absent'}) and chromium ({chromium}: "
              f"{'present' if os.access(chromium, os.X_OK) else 'absent'}); deploy/install-deps.sh installs both",
              file=sys.stderr)
        sys.exit(77)
    return node, chromium


def npm_ci(web):
    """playwright-core as package-lock.json pins it, under web/node; that directory."""
    npm = shutil.which("npm")
    check(npm is not None, "node is installed but npm is not (Debian: apt-get install npm)")
    where = os.path.join(web, "node")
    os.makedirs(where, exist_ok=True)
    for f in ("package.json", "package-lock.json"):
        shutil.copyfile(os.path.join(HERE, f), os.path.join(where, f))
    out = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel", "error"], cwd=where,
                         capture_output=True, text=True, timeout=NPM_TIMEOUT_S)
    check(out.returncode == 0, "npm ci (playwright-core, from the npm registry)", out.stdout, out.stderr)
    return where


def run(*args):
    out = subprocess.run([LNOB, "run", *args, "--format", "csv"], capture_output=True, text=True,
                         timeout=RUN_TIMEOUT_S)
    check(out.returncode == 0, f"lnob run {' '.join(args)}", out.stderr)
    return out


def pipeline(work, kept):
    """The demo's extracts in a private Redis, kept: its socket, in kept["sock"] as soon as it
    is known, so that it is stopped whatever fails next."""
    older = os.path.join(work, "silc_2022.csv")
    subprocess.run([LNOB, "gen", "silc", "--households", "800", "--seed", "4", "--year", "2022", "--out", older],
                   check=True, timeout=RUN_TIMEOUT_S)
    first = run("--silc", older, "--keep")
    m = re.search(r"redis-cli -s (\S+)", first.stderr)
    check(m is not None, "the kept Redis's socket is said", first.stderr)
    sock = kept["sock"] = m.group(1)
    run("--silc", os.path.join(SAMPLE, "silc_demo.csv"), "--redis", f"unix://{sock}")
    key = os.path.join(work, "person.key")
    with open(key, "w") as f:
        f.write(DEMO_KEY + "\n")
    os.chmod(key, 0o600)
    exports = os.path.join(SAMPLE, "mis_2024", "exports")
    files = sorted(os.path.join(exports, f) for f in os.listdir(exports) if f.endswith(".csv"))
    run("--mis", *files, "--pseudonym-key", key, "--period", "2024", "--redis", f"unix://{sock}")
    return sock


def page_test(node, chromium, node_dir, web, base, sock):
    udb = [os.path.join(SAMPLE, "udb4_2023", f"{f}.csv") for f in "DHRP"]
    cfg = {
        "base": base,
        "chromium": chromium,
        "nodeDir": node_dir,
        "screenshot": os.path.join(web, "screenshot.png"),
        "store": [LNOB, "run", "--silc", *udb, "--redis", f"unix://{sock}", "--format", "csv"],
    }
    started = time.monotonic()
    out = subprocess.run([node, os.path.join(HERE, "page_test.mjs"), json.dumps(cfg)], timeout=PAGE_TIMEOUT_S)
    print(f"browser_test: page_test.mjs took {time.monotonic() - started:.1f} s", file=sys.stderr)
    return out.returncode


def main():
    node, chromium = tools()
    web = os.path.join(BUILD, "web")
    started = time.monotonic()
    node_dir = npm_ci(web)
    print(f"browser_test: npm ci took {time.monotonic() - started:.1f} s", file=sys.stderr)
    work = serve_lib.workdir("lnob-browser-")
    kept, proc = {}, None
    try:
        started = time.monotonic()
        sock = pipeline(work, kept)
        print(f"browser_test: the demo's three runs took {time.monotonic() - started:.1f} s", file=sys.stderr)
        proc, base = serve_lib.start(LNOB, ["--redis", f"unix://{sock}", "--listen", "127.0.0.1:0"])
        rc = page_test(node, chromium, node_dir, web, base, sock)
    finally:
        if proc:
            serve_lib.stop(proc)
        if kept.get("sock"):
            subprocess.run(["redis-cli", "-s", kept["sock"], "SHUTDOWN", "NOSAVE"], capture_output=True, timeout=30)
            shutil.rmtree(os.path.dirname(kept["sock"]), ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)
    check(rc == 0, f"page_test.mjs exited {rc}")
    print("browser_test: ok")


if __name__ == "__main__":
    main()
