#!/usr/bin/python3
"""examples_test.py SOURCE_DIR BIN_DIR - the examples against the demo pipeline.

The demo's three runs (deploy/demo.sh: a merged SILC file, the four UDB files of 2023, the
MIS exports of 2024) into one private Redis that the first run keeps (--keep). The example
subscriber starts after the second run, as a dashboard that joins late: its module is
generated here from proto/lnob.proto by protoc, with Debian's python3-zmq and
python3-protobuf. It must take the current official extracts from the sink's snapshot
socket when the third run's sink starts, then the MIS extract from PUB once (numbered 3),
and its headline figure must be the one in Redis. Then examples/http/current.sh asks
`lnob serve` over the same Redis, with curl: the same AROP, 304 for the ETag it got."""

import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_lib  # noqa: E402

SRC, BIN = sys.argv[1], sys.argv[2]
LNOB = os.path.join(BIN, "lnob")
SAMPLE = os.path.join(SRC, "data/sample")
TIMEOUT_S = 300


def run(args, **kw):
    return subprocess.run([LNOB, "run", *args], capture_output=True, text=True, timeout=TIMEOUT_S, **kw)


def check(ok, what, *details):
    if not ok:
        print("FAIL:", what, *details, sep="\n", file=sys.stderr)
        sys.exit(1)


def redis_cli(sock, *args):
    return subprocess.run(["redis-cli", "-s", sock, *args], capture_output=True, text=True,
                          timeout=30).stdout.strip()


def curl_example(url, silc, arpr, mis, sock):
    proc, base = serve_lib.start(LNOB, ["--redis", url, "--listen", "127.0.0.1:0"])
    try:
        out = subprocess.run([f"{SRC}/examples/http/current.sh", base], capture_output=True, text=True,
                             timeout=60)
        check(out.returncode == 0, "current.sh", out.stdout, out.stderr)
        check(f'"value": {arpr},' in out.stdout or f'"value": {float(arpr)!r},' in out.stdout,
              "the SILC national AROP, as stored", arpr, out.stdout)
        seq = redis_cli(sock, "HGET", f"lnob:extract:{silc}", "seq")
        check(f'silc etag: "{silc}.{seq}"' in out.stdout, "the ETag names the extract and its number", out.stdout)
        check("If-None-Match: HTTP 304" in out.stdout, "304 for the ETag held", out.stdout)
        check("mis national: " in out.stdout, "the MIS headline", out.stdout)
        check(f'"extract": "{mis}"' in out.stdout, "the MIS extract listed", out.stdout)
        print(out.stdout, end="")
    finally:
        serve_lib.stop(proc)


def main():
    work = serve_lib.workdir("lnob-examples-")
    sock = None
    try:
        gen = os.path.join(work, "gen")
        os.mkdir(gen)
        subprocess.run(["protoc", f"--proto_path={SRC}/proto", f"--python_out={gen}", f"{SRC}/proto/lnob.proto"],
                       check=True)
        pub, snap = f"ipc://{work}/pub", f"ipc://{work}/snapshot"
        first = run(["--silc", f"{SAMPLE}/silc_demo.csv", "--keep", "--format", "csv"])
        check(first.returncode == 0, "the demo's first run", first.stderr)
        m = re.search(r"redis-cli -s (\S+)", first.stderr)
        check(m is not None, "the kept Redis's socket is said", first.stderr)
        sock = m.group(1)
        url = f"unix://{sock}"
        udb = [f"{SAMPLE}/udb4_2023/{f}.csv" for f in "DHRP"]
        second = run(["--silc", *udb, "--redis", url, "--format", "csv"])
        check(second.returncode == 0, "the demo's second run", second.stderr)

        env = dict(os.environ, PYTHONPATH=gen)
        follower = subprocess.Popen(
            ["/usr/bin/python3", f"{SRC}/examples/python/follow.py", "--pub", pub, "--snapshot", snap,
             "--until", "3", "--timeout", "120", "--reconnect-ms", "10"], env=env, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        asked = follower.stdout.readline()  # python and its modules are loaded, the sockets connecting
        check(asked.startswith("asked channel=official"), "follow.py asked for the snapshot", asked,
              follower.stderr.read() if not asked else "")
        key = os.path.join(work, "person.key")
        with open(key, "w") as f:
            f.write("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n")
        os.chmod(key, 0o600)
        exports = sorted(os.path.join(f"{SAMPLE}/mis_2024/exports", f)
                         for f in os.listdir(f"{SAMPLE}/mis_2024/exports") if f.endswith(".csv"))
        third = run(["--mis", *exports, "--pseudonym-key", key, "--period", "2024", "--redis", url,
                     "--pub", pub, "--snapshot", snap, "--format", "csv"])
        check(third.returncode == 0, "the demo's third run", third.stderr)
        out, err = follower.communicate(timeout=150)
        check(follower.returncode == 0, f"follow.py exited {follower.returncode}", out, err)

        silc = redis_cli(sock, "GET", "lnob:current:silc:official")
        mis = redis_cli(sock, "GET", "lnob:current:mis:official")
        check(silc and mis, "both pointers are set", silc, mis)
        lines = out.splitlines()
        end = [ln for ln in lines if ln.startswith("snapshot channel=official")]
        check(len(end) == 1, "one snapshot", out)
        at = int(re.search(r"seq=(\d+)", end[0]).group(1))
        check(at in (2, 3), "the snapshot was read after the demo's second run", out)
        check(any(f"extract={silc} " in ln and ln.startswith("snapshot ") for ln in lines),
              "the snapshot holds the current SILC extract", out)
        arpr = redis_cli(sock, "HGET", f"lnob:cell:{silc}:arpr:national", "value")
        check(any(f"extract={silc} arpr={float(arpr)!r} " in ln for ln in lines),
              "its national AROP is the stored one", arpr, out)
        taken = [ln for ln in lines if f"extract={mis} " in ln]
        check(len(taken) == 1, "the MIS extract was taken once, from the snapshot or PUB", out)
        check(taken[0].startswith("update seq=3 ") if at == 2 else taken[0].startswith("snapshot seq=3 "),
              "from PUB exactly when the snapshot came before it", out)
        print(out, end="")
        curl_example(url, silc, arpr, mis, sock)
    finally:
        if sock:
            redis_cli(sock, "SHUTDOWN", "NOSAVE")
            shutil.rmtree(os.path.dirname(sock), ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
