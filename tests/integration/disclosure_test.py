#!/usr/bin/python3
"""disclosure_test.py SOURCE_DIR BIN_DIR - MIS publication discloses no one (docs/disclosure.md).

A generated MIS year (many small municipal cells) goes through `lnob run --keep`. Then:
an audit written apart from the C code (its own table model, its own exact arithmetic:
elimination modulo the prime 2^127 - 1, exact for these 0/1 tables by Hadamard's bound)
checks every published table of the internal cells: no published count, rate or share with
a count of 1-4, and no withheld cell recomputable from the published cells of its table by
adding and subtracting, nor pinned to one value by the published cells together with the
bounds an attacker knows (no class of persons below 0, a withheld count with persons at least
1: intervals by linear programming with HiGHS, not the C code's GLPK); across municipalities,
no column with a published national count holds exactly one recomputable-free municipal count. `lnob serve` and `lnob export` give
out no withheld cell and no count of 1-4; the metadata records the policy. Without
disclosure control a run on the official channel fails with DISCLOSURE, and on a trial
channel is marked NOT FOR PUBLICATION, which `lnob serve` and `lnob export` refuse."""

import itertools
import json
import math
import os
import re
import shutil
import subprocess
import sys
import urllib.error
import urllib.request

from scipy.optimize import linprog
from scipy.sparse import coo_matrix

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import serve_lib  # noqa: E402

SRC, BIN = sys.argv[1], sys.argv[2]
LNOB = os.path.join(BIN, "lnob")
SMALL = 4
PRIME = 2**127 - 1
failures = []


def expect(ok, what, detail=""):
    if not ok:
        failures.append(f"{what}: {str(detail)[:400]}")


# ---- the table model, written from docs/disclosure.md -------------------------------

ROWS = ["T", "F", "M", "unknown", "DIS", "RE", "ROMA", "EGY", "ELD", "VAW", "CHI", "0-17", "18-64", "65+",
        "age?", "1", "2", "3", "4", "5+", "num3", "den3"]
COUNT_ROWS = ROWS[:15]
GROUPS = ["DIS", "RE", "ROMA", "EGY", "ELD", "VAW", "CHI"]


def atoms(nserv):
    """Every class of persons: (sex, age, dis, roma, egy, vaw, services); VAW only for women."""
    for sex, age, dis, roma, egy, vaw, ns in itertools.product("FMU", range(4), (0, 1), (0, 1), (0, 1), (0, 1),
                                                               range(nserv)):
        if not vaw or sex == "F":
            yield sex, age, dis, roma, egy, vaw, ns


def member(a, row):
    sex, age, dis, roma, egy, vaw, ns = a
    groups = {"DIS": dis, "RE": roma or egy, "ROMA": roma, "EGY": egy, "ELD": age == 2, "VAW": vaw,
              "CHI": age == 0}
    vulnerable = any(groups.values())
    ages = {"0-17": 0, "18-64": 1, "65+": 2, "age?": 3}
    if row == "T":
        return 1
    if row in ("F", "M"):
        return int(sex == row)
    if row == "unknown":
        return int(sex == "U")
    if row in groups:
        return int(bool(groups[row]))
    if row in ages:
        return int(age == ages[row])
    if row in ("1", "2", "3", "4", "5+"):
        return int(ns == ["1", "2", "3", "4", "5+"].index(row))
    if row == "den3":
        return int(vulnerable)
    return int(vulnerable and ns >= 2)  # num3


MATRIX = {n: [[member(a, r) for a in atoms(n)] for r in ROWS] for n in (1, 5)}


class Span:
    """Rows modulo PRIME in echelon form."""

    def __init__(self):
        self.basis = []  # (pivot, row)

    def reduce(self, v):
        v = list(v)
        for p, b in self.basis:
            if v[p]:
                f = v[p]
                v = [(x - f * y) % PRIME for x, y in zip(v, b)]
        return v

    def add(self, v):
        v = self.reduce(v)
        p = next((j for j, x in enumerate(v) if x), None)
        if p is not None:
            inv = pow(v[p], PRIME - 2, PRIME)
            self.basis.append((p, [x * inv % PRIME for x in v]))

    def has(self, v):
        return not any(self.reduce(v))


def cell_rows(c):
    """(table key, [(row, count)]) of a cell, or None when it is in no table."""
    bd, ind, n = c["breakdown"], c["indicator"], c["n"]
    key = (bd.get("municipality", ""), bd.get("service", ""))
    split = bd.get("sex") or bd.get("group") or bd.get("age_group") or bd.get("nserv") or "T"
    if ind in ("mis_ben", "mis_ben_all", "mis_nserv"):
        return key, [(split, n)]
    if ind == "mis_rate1000":
        return key, [("T", n)]
    num = round(c["value"] * n / 100) if c["value"] is not None else 0
    if ind == "mis_share3":
        return key, [("num3", num), ("den3", n)]
    if ind == "mis_share3_reg":
        return key, [("num3", num)] if c["value"] is not None else []
    return None


def tables(cells):
    out = {}
    for c in cells:
        got = cell_rows(c)
        if got:
            out.setdefault(got[0], []).append((c, got[1]))
    return out


def knowledge(key, entries):
    """A table's rows, their values, what an attacker knows ({row: value}: published, structural zeros, the
    unknown ages unless few) and what is withheld ({row: value})."""
    present = COUNT_ROWS + (["1", "2", "3", "4", "5+"] if not key[1] else [])
    value = {}
    for _, rows in entries:
        for r, v in rows:
            value[r] = v
    if not key[1] and "num3" in value:
        present += ["num3", "den3"]
    value["age?"] = value.get("T", 0) - sum(value.get(a, 0) for a in ("0-17", "18-64", "65+"))
    known = {r: value.get(r, 0) for r in present if r not in value or (r == "age?" and not 1 <= value[r] <= SMALL)}
    known.update({r: v for c, rows in entries if c["flag"] != "SUPPRESS" for r, v in rows})
    hidden = {r: v for c, rows in entries if c["flag"] == "SUPPRESS" for r, v in rows if r not in known}
    return present, value, known, hidden


def audit_table(key, entries):
    """The rows the table's published cells determine, and the checks on it."""
    nserv = 1 if key[1] else 5
    present, value, known, hidden = knowledge(key, entries)
    span = Span()
    for r in present:
        if r not in value or (r == "age?" and not 1 <= value[r] <= SMALL):
            span.add(MATRIX[nserv][ROWS.index(r)])  # known: structural zeros, unknown ages (unless few)
    for c, rows in entries:
        if c["flag"] != "SUPPRESS":
            for r, v in rows:
                span.add(MATRIX[nserv][ROWS.index(r)])
                expect(not 1 <= v <= SMALL, "a published cell has a count of 1-4", (c, r, v))
            if c["indicator"] == "mis_share3_reg":
                expect(not 1 <= c["n"] <= SMALL, "a published register share has a small denominator", c)
    determined = {r: span.has(MATRIX[nserv][ROWS.index(r)]) for r in present}
    for c, rows in entries:
        if c["flag"] == "SUPPRESS":
            expect(c.get("suppressed") in ("SMALL_COUNT", "COMPLEMENT"), "a withheld cell says why", c)
            expect(not any(determined[r] for r, _ in rows), "a withheld cell is recomputable in its table",
                   (key, c["indicator"], c["breakdown"]))
    pinned = [r for r, (lo, hi) in intervals(nserv, known, hidden, key).items()  # zeros are published
              if hidden[r] and hi < math.inf and math.floor(hi + 1e-6) <= math.ceil(lo - 1e-6)]
    expect(not pinned, "a withheld count is pinned by the published ones and the bounds", (key, pinned))
    return value, determined


def intervals(nserv, known, hidden, key):
    """The least and greatest value of each hidden row over real atoms >= 0, the known rows at their values
    and each hidden row at least 1 when it has persons (HiGHS, through scipy: another solver than the C's)."""
    if not hidden:
        return {}
    m = MATRIX[nserv]
    a_eq = [m[ROWS.index(r)] for r in known]
    a_ub = [[-x for x in m[ROWS.index(r)]] for r in hidden]
    b_ub = [-min(1, v) for v in hidden.values()]
    out = {}
    for r in hidden:
        bounds = []
        for sign in (1, -1):
            res = linprog([sign * x for x in m[ROWS.index(r)]], A_ub=a_ub, b_ub=b_ub, A_eq=a_eq,
                          b_eq=list(known.values()), bounds=(0, None), method="highs")
            expect(res.status in (0, 3), "the table's counts fit its classes of persons", (key, r, res.message))
            bounds.append(sign * res.fun if res.status == 0 else math.inf)
        out[r] = tuple(bounds)
    return out


def check_sum(what, parent_known, parts):
    """A known sum of counts: the parts withheld and undetermined (each at least 1, having a cell) must not
    be one alone, sum to 4 or fewer, or sum to as many as they are. parts: [(value, determined)]."""
    hidden = [v for v, d in parts if v > 0 and not d]
    bad = parent_known and hidden and (len(hidden) == 1 or sum(hidden) <= SMALL or sum(hidden) == len(hidden))
    expect(not bad, "withheld counts recomputable from a sum", (what, hidden))
    return int(bool(parent_known and hidden))


def audit(cells):
    t = tables(cells)
    seen = {key: audit_table(key, entries) for key, entries in t.items()}
    splits = [["F", "M", "unknown"], ["0-17", "18-64", "65+", "age?"], ["1", "2", "3", "4", "5+"]]
    sums = 0
    for (mun, service), (value, det) in seen.items():
        for split in splits[:3 if not service else 2]:  # within a table: the total and its splits
            sums += check_sum((mun, service, split[0]), det.get("T"), [(value.get(r, 0), det[r]) for r in split])
        if not mun:  # across municipalities: the national count is the sum of the municipal ones less
            for r in [r for r in det if r not in ("1", "2", "3", "4", "5+")]:  # those served in two
                parts = [(v.get(r, 0), d.get(r, True)) for (m, s), (v, d) in seen.items() if m and s == service]
                gap = sum(v for v, _ in parts) - value.get(r, 0)
                sums += check_sum((service, r), det[r] and 0 <= gap <= SMALL, parts)
        if not service:  # within a place: its services' totals against its persons by number of services
            services = [(v.get("T", 0), d["T"]) for (m, s), (v, d) in seen.items() if m == mun and s]
            exact = value.get("5+", 0) == 0 or len(services) <= 5
            known = exact and all(det.get(r) for r in ("1", "2", "3", "4", "5+"))
            sums += check_sum((mun, "services"), known, services)
    withheld = sum(c["flag"] == "SUPPRESS" for c in cells)
    return len(t), sums, withheld


# ---- the joint audit: tables seen together -------------------------------------------------
# One linear program over several tables, a variable per class of persons (sex, age, groups) per table
# and, by all services, per number of services. The links are exact: a person keeps their class in every
# table; the persons of a class in a service of a place are among the place's (its table by all services);
# the sum over a place's services of the persons of a class is 1 x NS1 + 2 x NS2 + ... of that class (a
# 5+ person counting from 5 to the number of services); a municipal count is at most the national one,
# and the national one at most the sum of the municipal ones. Each withheld count with persons must not
# be pinned by all that.

CLASSES = sorted({a[:6] for a in atoms(1)})


class JointLP:
    def __init__(self):
        self.nv, self.eq, self.ub = 0, [], []  # rows: ({var: coef}, rhs); ub: coef.x <= rhs

    def table(self, key, nk):
        start, self.nv = self.nv, self.nv + len(CLASSES) * nk
        return {(ci, k): start + ci * nk + k for ci in range(len(CLASSES)) for k in range(nk)}

    def matrix(self, rows):
        if not rows:
            return None, None
        ijv = [(i, j, v) for i, (coef, _) in enumerate(rows) for j, v in coef.items()]
        i, j, v = zip(*ijv)
        return coo_matrix((v, (i, j)), shape=(len(rows), self.nv)).tocsr(), [rhs for _, rhs in rows]

    def intervals(self, targets, where):
        (a_eq, b_eq), (a_ub, b_ub) = self.matrix(self.eq), self.matrix(self.ub)
        out = {}
        for name, coef in targets:
            bounds = []
            for sign in (1, -1):
                c = [0.0] * self.nv
                for j, v in coef.items():
                    c[j] = sign * v
                res = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
                expect(res.status in (0, 3), "the tables' counts fit the joint model", (where, name, res.message))
                bounds.append(sign * res.fun if res.status == 0 else math.inf)
            out[name] = tuple(bounds)
        return out


def weighted_services(lp, place, services, ci):
    """Sum over services of the persons of class ci = 1 x NS1 + ... + (5 .. n) x NS5+ of the place."""
    low, high = {}, {}
    for s in services:
        low[s[(ci, 0)]] = high[s[(ci, 0)]] = 1
    for k in range(5):
        j = place[(ci, k)]
        low[j] = low.get(j, 0) - (k + 1)
        high[j] = high.get(j, 0) - (k + 1 if k < 4 else max(5, len(services)))
    lp.ub.append(({j: -v for j, v in low.items()}, 0))
    lp.ub.append((high, 0))


def joint_pins(tabs, keys):
    """The withheld counts the published cells of the tables keys pin, seen together."""
    lp, var, targets = JointLP(), {}, []
    for key in keys:
        nk = 1 if key[1] else 5
        var[key] = lp.table(key, nk)
        _, _, known, hidden = knowledge(key, tabs[key])

        def row(r, key=key, nk=nk):
            return {var[key][(ci, k)]: 1 for ci, c in enumerate(CLASSES) for k in range(nk) if member(c + (k,), r)}
        lp.eq += [(row(r), v) for r, v in known.items()]
        lp.ub += [({j: -1 for j in row(r)}, -min(1, v)) for r, v in hidden.items()]
        targets += [((key, r, v), row(r)) for r, v in hidden.items() if v]

    def persons(key, ci):
        return [var[key][(ci, k)] for k in range(1 if key[1] else 5)]

    def within(narrow, wide, ci):  # persons of class ci in narrow are among those in wide
        d = {j: 1 for j in persons(narrow, ci)}
        for j in persons(wide, ci):
            d[j] = d.get(j, 0) - 1
        lp.ub.append((d, 0))
    for place in {k[0] for k in keys if (k[0], "") in var}:
        services = [k for k in keys if k[0] == place and k[1]]
        for ci in range(len(CLASSES)):
            for s in services:
                within(s, (place, ""), ci)
            if services:
                weighted_services(lp, var[(place, "")], [var[s] for s in services], ci)
    for nat in [k for k in keys if not k[0]]:
        parts = [k for k in keys if k[0] and k[1] == nat[1]]
        for ci in range(len(CLASSES)):
            for part in parts:
                within(part, nat, ci)
            if parts:
                d = {j: -1 for part in parts for j in persons(part, ci)}
                for j in persons(nat, ci):
                    d[j] = d.get(j, 0) + 1
                lp.ub.append((d, 0))
    found = lp.intervals(targets, keys[0])
    return [name for name, (lo, hi) in found.items()
            if hi < math.inf and math.floor(hi + 1e-6) <= math.ceil(lo - 1e-6)]


def joint_audit(cells):
    """Each place with its services, and each service (and all) with its municipalities: nothing
    withheld pinned. Returns the number of linear programs' scopes."""
    tabs = tables(cells)
    scopes = [[k for k in tabs if k[0] == m] for m in sorted({k[0] for k in tabs if k[0]})]
    scopes += [[k for k in tabs if k[1] == s] for s in sorted({k[1] for k in tabs}) if ("", s) in tabs]
    for keys in scopes:
        pins = joint_pins(tabs, keys)
        expect(not pins, "a withheld count is pinned by tables seen together", pins[:5])
    return len(scopes)


# ---- the pipeline ---------------------------------------------------------------------

def run_mis(work, exports, key, *extra):
    args = [LNOB, "run", "--mis", *exports, "--pseudonym-key", key, "--period", "2024", "--format", "json",
            *extra]
    return subprocess.run(args, capture_output=True, text=True, timeout=300)


def http(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def check_public(sock, ident, internal):
    url = f"unix://{sock}"
    published = [c for c in internal if c["flag"] != "SUPPRESS"]
    proc, base = serve_lib.start(LNOB, ["--redis", url, "--listen", "127.0.0.1:0"])
    try:
        status, cells = http(base, "/api/v1/current?kind=mis")
        expect(status == 200, "GET /api/v1/current?kind=mis", status)
        expect(len(cells) == len(published), "the API gives exactly the published cells",
               (len(cells), len(published)))
        expect(all(c["flag"] != "SUPPRESS" for c in cells), "no withheld cell on the API")
        expect(all(c["value"] == p["value"] for c, p in zip(cells, published)), "the API's values are the cells'")
        meta = subprocess.run(["redis-cli", "-s", sock, "HGET", f"lnob:pub:extract:{ident}", "disclosure"],
                              capture_output=True, text=True).stdout
        expect(meta.startswith("on: counts of 1-4"), "the public metadata records the policy", meta)
        exact = subprocess.run(["redis-cli", "-s", sock, "--raw", "KEYS", f"lnob:pub:cell:{ident}:*"],
                               capture_output=True, text=True).stdout.split()
        out = subprocess.run(["redis-cli", "-s", sock, "--raw"], capture_output=True, text=True,
                             input="".join(f"HMGET {k} flag value n suppressed\n" for k in exact)).stdout.split("\n")
        twins = [out[i:i + 4] for i in range(0, 4 * len(exact), 4)]
        withheld = [t for t in twins if t[0] == "SUPPRESS"]
        expect(withheld and all(t[1:] == ["", "", ""] for t in withheld),
               "a withheld cell's public twin has no value, n or reason", withheld[:3])
    finally:
        serve_lib.stop(proc)
    out = subprocess.run([LNOB, "export", "--extract", ident, "--format", "json", "--redis", url],
                         capture_output=True, text=True, timeout=60)
    exported = json.loads(out.stdout)
    expect(len(exported) == len(published) and all(c["flag"] != "SUPPRESS" for c in exported),
           "lnob export gives exactly the published cells", (len(exported), len(published)))


def check_not_for_publication(work, exports, key, sock):
    run = run_mis(work, exports, key, "--no-disclosure-control")
    expect(run.returncode != 0 and "DISCLOSURE" in run.stderr, "no disclosure control on official fails",
           run.stderr[-400:])
    run = run_mis(work, exports, key, "--no-disclosure-control", "--channel", "exact", "--redis", f"unix://{sock}")
    expect(run.returncode == 0, "no disclosure control on a trial channel runs", run.stderr[-400:])
    cells = json.loads(run.stdout) if run.returncode == 0 else []
    expect(any(1 <= c["n"] <= SMALL and c["flag"] == "OK" and c["indicator"] == "mis_ben" for c in cells),
           "without disclosure control small counts are exact")
    before = len(failures)
    audit(cells)  # the audit itself can fail: it finds what an unprotected run publishes
    found = len(failures) - before
    del failures[before:]
    expect(found > 0, "the audit finds the small counts of a run without disclosure control", found)
    ident = cells[0]["extract"] if cells else "none"
    proc, base = serve_lib.start(LNOB, ["--redis", f"unix://{sock}", "--listen", "127.0.0.1:0"])
    try:
        status, body = http(base, "/api/v1/current?kind=mis&channel=exact")
        expect(status == 403 and "not for publication" in body.get("error", ""),
               "lnob serve refuses an extract not for publication", (status, body))
    finally:
        serve_lib.stop(proc)
    out = subprocess.run([LNOB, "export", "--extract", ident, "--format", "json", "--redis", f"unix://{sock}"],
                         capture_output=True, text=True, timeout=60)
    expect(out.returncode != 0 and "NOT FOR PUBLICATION" in out.stderr, "lnob export refuses it", out.stderr)
    proc, base = serve_lib.start(LNOB, ["--redis", f"unix://{sock}", "--listen", "127.0.0.1:0"])
    try:
        status, points = http(base, "/api/v1/series?indicator=mis_ben_all&kind=mis&channel=exact"
                                    "&breakdown=municipality=" + cells[-1]["breakdown"].get("municipality", "x"))
        expect(status == 200 and points == [], "the series has no point from it: no public cell", points)
    finally:
        serve_lib.stop(proc)


def main():
    work = serve_lib.workdir("lnob-disclosure-")
    sock = None
    try:
        subprocess.run([LNOB, "gen", "mis", "--out", work, "--persons", "3000", "--municipalities", "8",
                        "--registers", "2", "--seed", "1"], check=True, capture_output=True)
        key = os.path.join(work, "person.key")
        with open(os.open(key, os.O_WRONLY | os.O_CREAT, 0o600), "w") as f:
            f.write("ab" * 32 + "\n")
        exports = sorted(os.path.join(work, "exports", f) for f in os.listdir(os.path.join(work, "exports")))
        os.mkdir(os.path.join(work, "run"), 0o700)
        run = run_mis(work, exports, key, "--keep", "--workdir", os.path.join(work, "run"))
        expect(run.returncode == 0, "lnob run --mis", run.stderr[-600:])
        m = re.search(r"redis-cli -s (\S+/redis\.sock)", run.stderr)
        sock = m.group(1) if m else None
        cells = json.loads(run.stdout)
        n_tables, columns, withheld = audit(cells)
        expect(withheld > 0 and any(c.get("suppressed") == "COMPLEMENT" for c in cells),
               "the year has small counts and complements")
        scopes = joint_audit(cells)
        print(f"audited {n_tables} tables and {columns} known sums holding withheld counts, and {scopes} "
              f"scopes of tables together; {withheld} of {len(cells)} cells withheld")
        if sock:
            check_public(sock, cells[0]["extract"], cells)
            check_not_for_publication(work, exports, key, sock)
    finally:
        if sock:
            subprocess.run(["redis-cli", "-s", sock, "shutdown", "nosave"], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    serve_lib.finish(failures, "disclosure_test")


if __name__ == "__main__":
    main()
