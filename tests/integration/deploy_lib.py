"""deploy_lib.py - what the deployment tests read: the binaries' --help (the
flags, LNOB_* variables and defaults each accepts), systemd unit files, lnob
configuration files and endpoints, and a list of failures to report at the
end. Shared by deploy_systemd_test.py and deploy_manifests_test.py; not a
test itself."""

import configparser
import os
import re
import shlex
import subprocess
import sys

SKIP = 77  # ctest's SKIP_RETURN_CODE for these tests


class Failures:
    """Failures collected over a whole test, so one run lists them all."""

    def __init__(self):
        self.items = []

    def check(self, ok, what):
        if not ok:
            self.items.append(what)
        return ok

    def finish(self, name):
        for f in self.items:
            print(f"FAIL: {f}")
        print(f"{name}: {'FAILED, ' + str(len(self.items)) + ' problem(s)' if self.items else 'ok'}")
        return 1 if self.items else 0


# ---- systemd units ---------------------------------------------------------

def parse_unit(path):
    """A unit file as {section: [(key, value), ...]}, continuation lines joined."""
    sections, section, pending = {}, None, ""
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            if pending:
                line = pending + " " + line.strip()
                pending = ""
            if line.endswith("\\"):
                pending = line[:-1].rstrip()
                continue
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("[") and s.endswith("]"):
                section = s[1:-1]
                sections.setdefault(section, [])
                continue
            key, _, value = s.partition("=")
            sections.setdefault(section, []).append((key.strip(), value.strip()))
    return sections


def unit_values(unit, section, key):
    return [v for k, v in unit.get(section, []) if k == key]


def unit_environment(unit):
    """{NAME: value} of a unit's Environment= lines."""
    env = {}
    for line in unit_values(unit, "Service", "Environment"):
        for word in shlex.split(line):
            name, _, value = word.partition("=")
            env[name] = value
    return env


def unit_files(src):
    d = os.path.join(src, "deploy", "systemd")
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith((".service", ".target")))


# ---- the binaries' --help ---------------------------------------------------

# The worker programs started in deploy/, by their configuration section.
PROGRAMS = {
    "ingest": ["lnob-ingest"],
    "transform": ["lnob-transform"],
    "aggregate": ["lnob-aggregate"],
    "sink": ["lnob-sink"],
}


class Help:
    """What one program says in --help: its flags, its variables, defaults."""

    def __init__(self, text):
        self.flags = {"--help", "--version"}
        self.envs = set()
        self.defaults = {}  # flag -> default text
        last = None
        for line in text.splitlines():
            m = re.match(r"^  (--[a-z0-9-]+)", line)
            if m:
                last = m.group(1)
                self.flags.add(last)
                continue
            m = re.match(r"^\s+env (LNOB_[A-Z0-9_]+)(?:, default (.*))?$", line)
            if m and last:
                self.envs.add(m.group(1))
                if m.group(2) is not None:
                    self.defaults[last] = m.group(2).strip()


def program_help(bin_dir, name, argv=None):
    """Help of the worker named as in PROGRAMS, or of the command argv."""
    argv = argv or PROGRAMS[name]
    out = subprocess.run([os.path.join(bin_dir, argv[0])] + argv[1:] + ["--help"],
                         capture_output=True, text=True, timeout=30)
    if out.returncode != 0 or "Options" not in out.stdout:
        sys.exit(f"{argv[0]} --help failed ({out.returncode}): {out.stderr}")
    return Help(out.stdout)


def worker_of(argv):
    """The PROGRAMS name of a command line, or None when it is not a worker."""
    prog = os.path.basename(argv[0]) if argv else ""
    for name, a in PROGRAMS.items():
        if a[0] == prog:
            return name
    return None


def flags_of(argv):
    """The --flags of a command line, without their values."""
    return [a.split("=", 1)[0] for a in argv[1:] if a.startswith("--")]


def flag_value(argv, flag):
    """The value given to flag on a command line, or None."""
    for i, a in enumerate(argv):
        if a == flag and i + 1 < len(argv):
            return argv[i + 1]
        if a.startswith(flag + "="):
            return a.split("=", 1)[1]
    return None


# ---- lnob configuration files and endpoints -----------------------------------

# A worker's configuration-file section is its program's name above.
ENDPOINT_KEYS = ("push", "pull", "control", "pub", "snapshot")
# Endpoints a worker has as an option but does not open: none today.
UNUSED_ENDPOINTS = {}


def read_conf(path):
    """An lnob INI file as {section: {key: value}}."""
    p = configparser.ConfigParser(comment_prefixes=("#", ";"), inline_comment_prefixes=(";",),
                                  interpolation=None, default_section="_none_")
    with open(path, encoding="utf-8") as f:
        p.read_file(f)
    return {s: dict(p.items(s)) for s in p.sections()}


def endpoint(text):
    """(kind, host, port) of one '@tcp://h:p' or '>tcp://h:p'; kind bind or connect."""
    m = re.match(r"^([@>])tcp://\[?([^\]]+?)\]?:(\d+)$", text.strip())
    if not m:
        return None
    return ("bind" if m.group(1) == "@" else "connect", m.group(2), int(m.group(3)))


def redis_host_port(url):
    m = re.match(r"^redis://(?:[^@/]*@)?([^:/]+)(?::(\d+))?", url)
    return (m.group(1), int(m.group(2) or 6379)) if m else None


def effective_endpoints(conf, helps):
    """{worker: [(key, kind, host, port)]}: each worker's endpoints from the file's
    own section, then [common], then the binary's default."""
    out = {}
    for name, help_ in helps.items():
        eps = []
        for key in ENDPOINT_KEYS:
            flag = "--" + key
            if flag not in help_.flags or key in UNUSED_ENDPOINTS.get(name, ()):
                continue
            value = conf.get(name, {}).get(key, conf.get("common", {}).get(key, help_.defaults.get(flag)))
            if value in (None, "-", "none"):
                continue
            for part in value.split(","):
                ep = endpoint(part)
                if ep:
                    eps.append((key,) + ep)
        out[name] = eps
    return out
