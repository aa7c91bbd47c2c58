#!/usr/bin/python3
"""serve_test.py SOURCE_DIR BIN_DIR - `lnob serve`'s HTTP API and `lnob watch` against a real pipeline.

A private redis-server with the shipped users.acl; `lnob run` stores a generated SILC
extract as lnob_sink; `lnob serve` reads as lnob_dashboard, who may read the public twins
(lnob:pub:*) alone and not the exact values. Checked: /api/v1/current gives the
published cells as `lnob export --format json` writes them, with an ETag naming the extract
and its publication, 304 for that ETag, a new ETag after the extract is published again;
/api/v1/extracts and /api/v1/extracts/{id}; /api/v1/series over two years, SUPPRESS
withheld; /api/v1/events sends a publication as it is stored, and a client that comes back
with Last-Event-ID gets what it missed; 400 with a message for every bad parameter, 404
where there is nothing, 405 for another method; no CORS header unless --cors; a
non-loopback --listen refused without --public. The web page's files at / (types, ETag,
304). `lnob watch` shows the current extract with its headline, then a publication as it
is stored."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_lib  # noqa: E402

SRC, BIN = sys.argv[1], sys.argv[2]
LNOB = os.path.join(BIN, "lnob")
SINK_PW, READER_PW, DASHBOARD_PW = "sink-secret-for-tests", "reader-secret-for-tests", "dash-secret-for-tests"
failures = []


def expect(ok, what, detail=""):
    if not ok:
        failures.append(f"{what}: {detail}")


def get(base, path, headers=None, method="GET"):
    """(status, headers, body text)."""
    req = urllib.request.Request(base + path, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.headers, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read().decode()


def start_redis(work, sink_pw, reader_pw, dashboard_pw):
    acl = os.path.join(work, "users.acl")
    with open(acl, "w") as f:
        subprocess.run([f"{SRC}/deploy/redis/render-acl.sh", f"{SRC}/deploy/redis/users.acl",
                        f"lnob_sink={sink_pw}", f"lnob_reader={reader_pw}", f"lnob_dashboard={dashboard_pw}"],
                       check=True, stdout=f)
    sock = os.path.join(work, "redis.sock")
    subprocess.run(["redis-server", "--port", "0", "--unixsocket", sock, "--unixsocketperm", "700", "--save", "",
                    "--appendonly", "no", "--dir", work, "--aclfile", acl, "--daemonize", "yes",
                    "--pidfile", os.path.join(work, "redis.pid")], check=True, capture_output=True)
    for _ in range(100):
        if os.path.exists(sock):
            return sock
        time.sleep(0.05)
    raise SystemExit("redis-server did not start")


def secret(work, name, text):
    path = os.path.join(work, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, 0o600)
    return path


def serve(args):
    return serve_lib.start(LNOB, args)


def stop(proc):
    expect(serve_lib.stop(proc) == 0, "lnob serve stops on SIGTERM with 0")


def check_current(base, sock_url, sink_pw, csv, work):
    status, headers, body = get(base, "/api/v1/current?kind=silc")
    expect(status == 200, "current", f"{status} {body[:200]}")
    cells = json.loads(body)
    expect(len(cells) > 100 and all(c["flag"] != "SUPPRESS" for c in cells), "published cells only")
    ident = cells[0]["extract"]
    exported = subprocess.run([LNOB, "export", "--extract", ident, "--format", "json", "--redis", sock_url,
                               "--redis-password-file", sink_pw], capture_output=True, text=True)
    expect(exported.stdout == body, "the same JSON as lnob export --format json")
    etag = headers["ETag"]
    expect(etag == f'"{ident}.1"', "the ETag names the extract and its publication", etag)
    expect(headers["Cache-Control"] == "no-cache", "revalidated before use", headers["Cache-Control"])
    expect(headers.get("Access-Control-Allow-Origin") is None, "no CORS header by default")
    status, _, body = get(base, "/api/v1/current?kind=silc", {"If-None-Match": etag})
    expect(status == 304 and body == "", "304 for the ETag held", status)
    status, _, body = get(base, "/api/v1/current?kind=silc&period=2023&channel=official")
    expect(status == 200 and json.loads(body) == cells, "the period's current one is the same")
    status, _, body = get(base, f"/api/v1/extracts/{ident}")
    expect(status == 200 and json.loads(body) == cells, "/extracts/{id}")
    status, _, body = get(base, "/api/v1/extracts")
    listed = json.loads(body)
    expect(status == 200 and [e["extract"] for e in listed] == [ident], "/extracts", body)
    expect(listed[0]["kind"] == "silc" and listed[0]["channel"] == "official" and listed[0]["seq"] == 1,
           "/extracts says kind, channel and number", body)
    run = subprocess.run([LNOB, "run", "--silc", csv, "--redis", sock_url, "--redis-password-file", sink_pw,
                          "--format", "csv"], capture_output=True, text=True, timeout=300)
    expect(run.returncode == 0, "the extract run again", run.stderr)
    status, headers, _ = get(base, "/api/v1/current?kind=silc", {"If-None-Match": etag})
    expect(status == 200 and headers["ETag"] == f'"{ident}.2"', "published again: a new ETag", headers["ETag"])
    return ident


def check_series(base, sock_url, sink_pw, work):
    older = os.path.join(work, "2022.csv")
    subprocess.run([LNOB, "gen", "silc", "--households", "800", "--seed", "4", "--year", "2022", "--out", older],
                   check=True)
    run = subprocess.run([LNOB, "run", "--silc", older, "--redis", sock_url, "--redis-password-file", sink_pw,
                          "--format", "csv"], capture_output=True, text=True, timeout=300)
    expect(run.returncode == 0, "the 2022 extract", run.stderr)
    status, _, body = get(base, "/api/v1/series?indicator=arpr")
    points = json.loads(body)
    expect(status == 200 and [p["period"] for p in points] == ["2022", "2023"], "national AROP, oldest first",
           body)
    for p in points:
        _, _, cells = get(base, f"/api/v1/extracts/{p['extract']}")
        national = [c for c in json.loads(cells) if c["indicator"] == "arpr" and not c["breakdown"]]
        expect(len(national) == 1 and national[0]["value"] == p["value"] and national[0]["n"] == p["n"],
               "each point is its year's current cell", p)
    status, _, body = get(base, "/api/v1/series?indicator=arpr&breakdown=sex%3D2")
    expect(status == 200 and len(json.loads(body)) == 2, "a breakdown's series", body)
    _, _, body = get(base, "/api/v1/series?indicator=gini&breakdown=municipality%3DAL011")
    for p in json.loads(body):
        if p["flag"] == "SUPPRESS":
            expect(p["value"] is None and p["n"] is None, "a SUPPRESS point is withheld", p)
    _, _, published = get(base, "/api/v1/current?kind=silc")
    _, _, everything = get(base, "/api/v1/current?kind=silc&withheld=1")
    published, everything = json.loads(published), json.loads(everything)
    withheld = [c for c in everything if c["flag"] == "SUPPRESS"]
    expect(withheld and [c for c in everything if c["flag"] != "SUPPRESS"] == published,
           "withheld=1 adds the SUPPRESS cells to the published ones", len(withheld))
    expect(all(c["value"] is None and c["n"] is None and c["weight"] is None and "suppressed" not in c
               and "diagnostic" not in c for c in withheld), "a withheld cell comes with nothing of its value",
           withheld[:2])
    status, _, body = get(base, "/api/v1/series?indicator=arpr&kind=mis")
    expect(status == 200 and json.loads(body) == [], "no MIS years: an empty series", body)


def read_events(resp, want, seconds):
    """Reads a text/event-stream until an event whose data names want; its (id, event, data)."""
    deadline, event = time.monotonic() + seconds, {}
    while time.monotonic() < deadline:
        line = resp.readline().decode()
        if not line:
            break
        if line == "\n":
            if want in event.get("data", ""):
                return event.get("id"), event.get("event"), json.loads(event["data"])
            event = {}
        elif ":" in line and not line.startswith(":"):
            k, v = line.rstrip("\n").split(": ", 1)
            event[k] = v
    return None


def check_events(base, sock_url, sink_pw, csv, ident):
    resp = urllib.request.urlopen(base + "/api/v1/events", timeout=30)
    expect(resp.headers["Content-Type"] == "text/event-stream", "an event stream", resp.headers["Content-Type"])
    run = subprocess.run([LNOB, "run", "--silc", csv, "--redis", sock_url, "--redis-password-file", sink_pw,
                          "--format", "csv"], capture_output=True, text=True, timeout=300)
    expect(run.returncode == 0, "published while a client listens", run.stderr)
    got = read_events(resp, ident, 30)
    resp.close()
    expect(got is not None and got[1] == "publication" and got[2]["seq"] >= 3 and got[2]["kind"] == "silc",
           "the publication arrives as an event", got)
    if got:
        first_id = got[0]
        run = subprocess.run([LNOB, "run", "--silc", csv, "--redis", sock_url, "--redis-password-file", sink_pw,
                              "--format", "csv"], capture_output=True, text=True, timeout=300)
        req = urllib.request.Request(base + "/api/v1/events", headers={"Last-Event-ID": first_id})
        with urllib.request.urlopen(req, timeout=30) as again:
            missed = read_events(again, ident, 10)
        expect(missed is not None and missed[2]["seq"] == got[2]["seq"] + 1,
               "the one published while away comes first after Last-Event-ID", missed)
    status, _, _ = get(base, "/api/v1/events", {"Last-Event-ID": "x; DEL"})
    expect(status == 400, "a Last-Event-ID that is no id", status)


def check_watch(reader_url, reader_pw, sock_url, sink_pw, csv, ident):
    watch = subprocess.Popen([LNOB, "watch", "--redis", reader_url, "--redis-password-file", reader_pw,
                              "--count", "1"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = "".join(watch.stdout.readline() for _ in range(3))  # the banner, then a line a kind
    arpr = subprocess.run(["redis-cli", "-s", sock_url[len("unix://"):sock_url.index("?")], "--user", "lnob_sink",
                           "--pass", SINK_PW, "--no-auth-warning", "HGET", f"lnob:cell:{ident}:arpr:national",
                           "value"], capture_output=True, text=True).stdout.strip()
    expect(f"current    silc 2023 {ident} #" in first and f"arpr {arpr} (OK)" in first,
           "lnob watch shows the current extract and its headline", first)
    run = subprocess.run([LNOB, "run", "--silc", csv, "--redis", sock_url, "--redis-password-file", sink_pw,
                          "--format", "csv"], capture_output=True, text=True, timeout=300)
    expect(run.returncode == 0, "published while lnob watch follows", run.stderr)
    out, err = watch.communicate(timeout=60)
    expect(watch.returncode == 0 and re.search(rf"published silc 2023 {ident} #\d+  arpr {re.escape(arpr)} \(OK\)",
                                               out), "lnob watch shows the publication", out + err)


def check_refusals(base):
    bad = {
        "/api/v1/current": "kind must be mis or silc",
        "/api/v1/current?kind=census": "kind must be mis or silc, not 'census'",
        "/api/v1/current?kind=silc&period=23": "period must be a year",
        "/api/v1/current?kind=silc&channel=Official": "channel must be",
        "/api/v1/current?kind=silc&colour=red": "unknown parameter 'colour'",
        "/api/v1/current?kind=silc&withheld=yes": "withheld must be 0 or 1, not 'yes'",
        "/api/v1/extracts/silc-2023-0000000000000000?withheld=2": "withheld must be 0 or 1",
        "/api/v1/extracts?period=2023": "unknown parameter 'period'",
        "/api/v1/extracts/..%2Fetc": "is not an extract id",
        "/api/v1/series": "indicator must be",
        "/api/v1/series?indicator=arpr%3Ax": "indicator must be",
        "/api/v1/series?indicator=arpr&breakdown=sex%202": "breakdown must be",
        "/api/v1/events?channel=a%3Ab": "channel must be",
    }
    for path, says in bad.items():
        status, headers, body = get(base, path)
        expect(status == 400 and says in json.loads(body)["error"], f"400 for {path}", f"{status} {body}")
        expect(headers["Content-Type"].startswith("application/json"), "errors are JSON", path)
    for path in ("/api/v1/current?kind=mis", "/api/v1/current?kind=silc&period=2019",
                 "/api/v1/current?kind=silc&channel=trial", "/api/v1/extracts/silc-2023-0000000000000000",
                 "/api/v2/current", "/index.html", "/data/qarks.csv"):
        status, _, body = get(base, path)
        expect(status == 404 and "error" in json.loads(body), f"404 for {path}", f"{status} {body}")
    status, _, _ = get(base, "/api/v1/current?kind=silc", method="DELETE")
    expect(status == 405, "405 for another method", status)


def check_dashboard_user(sock):
    """lnob_dashboard reads the public twins and nothing internal, and writes nothing."""
    def said(*args):
        return subprocess.run(["redis-cli", "-s", sock, "--user", "lnob_dashboard", "--pass", DASHBOARD_PW,
                               "--no-auth-warning", *args], capture_output=True, text=True).stdout.strip()
    ident = said("ZRANGE", "lnob:pub:extracts", "0", "0")
    expect(ident.startswith("silc-"), "lnob_dashboard reads lnob:pub:extracts", ident)
    expect(said("HGET", f"lnob:pub:extract:{ident}", "status") == "complete", "... and a public twin")
    expect(said("HGET", f"lnob:pub:extract:{ident}", "source") == "", "the twin names no input file")
    for key in (f"lnob:extract:{ident}", "lnob:extracts", f"lnob:quarantine:{ident}"):
        expect("NOPERM" in said("EXISTS", key), f"lnob_dashboard may not read {key}")
    expect("NOPERM" in said("DEL", "lnob:pub:extracts"), "lnob_dashboard may not write")


def check_page(base):
    """The web page's files (web/, data/reference/): their types, an ETag each and 304 for it."""
    types = {"/": "text/html; charset=utf-8", "/app.js": "text/javascript; charset=utf-8",
             "/app.css": "text/css; charset=utf-8", "/favicon.svg": "image/svg+xml",
             "/data/municipalities.csv": "text/csv; charset=utf-8", "/data/lnb_targets.csv": "text/csv; charset=utf-8",
             "/data/silc_published.csv": "text/csv; charset=utf-8"}
    for path, kind in types.items():
        status, headers, body = get(base, path)
        expect(status == 200 and headers["Content-Type"] == kind, f"{path} is served as {kind}",
               f"{status} {headers['Content-Type']}")
        expect(headers["Cache-Control"] == "no-cache" and re.fullmatch(r'"[0-9a-f]{16}"', headers["ETag"] or ""),
               f"{path}: an ETag of its bytes, revalidated", headers)
        expect("default-src 'self'" in (headers.get("Content-Security-Policy") or ""),
               f"{path}: a Content-Security-Policy of its own files only", headers)
        again, _, empty = get(base, path, {"If-None-Match": headers["ETag"]})
        expect(again == 304 and empty == "", f"{path}: 304 for its ETag", again)
    _, _, page = get(base, "/")
    expect('<html lang="en">' in page and '<script type="module" src="/app.js">' in page and "<script>" not in page,
           "the page: lang, its script from a file, no inline script")
    with open(os.path.join(SRC, "data/reference/municipalities.csv"), encoding="utf-8", newline="") as f:
        expect(get(base, "/data/municipalities.csv")[2] == f.read(), "the embedded table is the reference table")


def main():
    work = serve_lib.workdir("lnob-serve-")
    try:
        sink_pw, reader_pw = secret(work, "sink.pw", SINK_PW), secret(work, "reader.pw", READER_PW)
        dash_pw = secret(work, "dashboard.pw", DASHBOARD_PW)
        sock = start_redis(work, sink_pw, reader_pw, dash_pw)
        csv = os.path.join(work, "s.csv")
        subprocess.run([LNOB, "gen", "silc", "--households", "800", "--seed", "3", "--out", csv], check=True)
        sink_url = f"unix://{sock}?user=lnob_sink"
        run = subprocess.run([LNOB, "run", "--silc", csv, "--redis", sink_url, "--redis-password-file", sink_pw,
                              "--format", "csv"], capture_output=True, text=True, timeout=300)
        expect(run.returncode == 0, "lnob run as lnob_sink", run.stderr)
        check_dashboard_user(sock)
        proc, base = serve(["--redis", f"unix://{sock}?user=lnob_dashboard", "--redis-password-file", dash_pw,
                            "--listen", "127.0.0.1:0"])
        try:
            ident = check_current(base, sink_url, sink_pw, csv, work)
            check_series(base, sink_url, sink_pw, work)
            check_events(base, sink_url, sink_pw, csv, ident)
            check_refusals(base)
            check_page(base)
            check_watch(f"unix://{sock}?user=lnob_reader", reader_pw, sink_url, sink_pw, csv, ident)
        finally:
            stop(proc)
        proc, base = serve(["--redis", f"unix://{sock}?user=lnob_dashboard", "--redis-password-file", dash_pw,
                            "--listen", "127.0.0.1:0", "--cors", "https://dash.example"])
        _, headers, _ = get(base, "/api/v1/extracts")
        expect(headers.get("Access-Control-Allow-Origin") == "https://dash.example", "--cors ORIGIN is sent")
        stop(proc)
        public = subprocess.run([LNOB, "serve", "--listen", "0.0.0.0:0"], capture_output=True, text=True,
                                timeout=30)
        expect(public.returncode == 2 and "not a loopback address" in public.stderr, "0.0.0.0 needs --public",
               public.stderr)
    finally:
        pid = os.path.join(work, "redis.pid")
        if os.path.exists(pid):
            with open(pid) as f:
                os.kill(int(f.read().strip()), signal.SIGTERM)
        shutil.rmtree(work, ignore_errors=True)
    serve_lib.finish(failures, "serve_test")


if __name__ == "__main__":
    main()
