"""deploy_lib.py - what the deployment tests read: systemd unit files, and a
list of failures to report at the end. Used by deploy_systemd_test.py; not a
test itself."""

import os
import shlex

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
