#!/usr/bin/python3
"""deploy_systemd_test.py SOURCE_DIR BIN_DIR - the units of deploy/systemd.

Each unit is copied to a temporary folder with its ExecStart pointed from
/usr/local/bin at the built binaries, so that `systemd-analyze verify` checks
the binary too, and must verify without a word: verify exits 0 even for a
line it ignores ("Unknown key name", "Failed to parse"), so any output fails.
The template is verified as lnob-transform@1.service. Each service must keep
the hardening of docs/deploy.md (`systemd-analyze security --offline` at 2.0
or less, and the settings listed below), restart on failure, read
/etc/lnob/lnob.conf and belong to lnob.target. Skipped (exit 77) only where
systemd-analyze is missing."""

import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_lib as lib  # noqa: E402

INSTALLED_BIN = "/usr/local/bin/"
# `systemd-analyze security` exposure, in tenths (1.4 when written)
EXPOSURE_MAX = 20
REQUIRED = {
    "DynamicUser": "yes",
    "ProtectSystem": "strict",
    "ProtectHome": "yes",
    "PrivateTmp": "yes",
    "PrivateDevices": "yes",
    "NoNewPrivileges": "yes",
    "CapabilityBoundingSet": "",
    "ProtectKernelTunables": "yes",
    "ProtectKernelModules": "yes",
    "ProtectKernelLogs": "yes",
    "ProtectControlGroups": "yes",
    "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6",
    "RestrictNamespaces": "yes",
    "LockPersonality": "yes",
    "MemoryDenyWriteExecute": "yes",
    "SystemCallArchitectures": "native",
    "Restart": "on-failure",
}


def main():
    src, bin_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    analyze = shutil.which("systemd-analyze")
    if not analyze:
        print("SKIP: systemd-analyze is not installed (Debian package systemd): "
              "the units of deploy/systemd were not verified")
        return lib.SKIP
    fails = lib.Failures()
    units = lib.unit_files(src)
    names = [os.path.basename(u) for u in units]
    for want in ("lnob.target", "lnob-ingest.service", "lnob-transform@.service",
                 "lnob-aggregate.service", "lnob-sink.service"):
        fails.check(want in names, f"deploy/systemd has no {want}")

    with tempfile.TemporaryDirectory() as tmp:
        for path in units:
            text = open(path, encoding="utf-8").read()
            open(os.path.join(tmp, os.path.basename(path)), "w", encoding="utf-8").write(
                text.replace(INSTALLED_BIN, bin_dir + "/"))
        for path in units:
            name = os.path.basename(path)
            unit = lib.parse_unit(path)
            loaded = name.replace("@.", "@1.")
            out = subprocess.run([analyze, "verify", loaded], cwd=tmp, capture_output=True,
                                 text=True, timeout=60)
            said = (out.stdout + out.stderr).strip()
            fails.check(out.returncode == 0 and not said,
                        f"systemd-analyze verify {loaded}: exit {out.returncode}: {said}")
            if not name.endswith(".service"):
                continue
            for argv in lib.unit_values(unit, "Service", "ExecStart"):
                fails.check(argv.startswith(INSTALLED_BIN + "lnob"),
                            f"{name}: ExecStart does not start {INSTALLED_BIN}lnob-*: {argv}")
                fails.check("--config /etc/lnob/lnob.conf" in argv,
                            f"{name}: ExecStart does not read --config /etc/lnob/lnob.conf")
            out = subprocess.run([analyze, "security", "--offline=yes", f"--threshold={EXPOSURE_MAX}",
                                  "--no-pager", loaded], cwd=tmp, capture_output=True, text=True,
                                 timeout=60)
            last = out.stdout.strip().splitlines()[-1:] or [out.stderr.strip()]
            fails.check(out.returncode == 0,
                        f"{name}: systemd-analyze security above {EXPOSURE_MAX / 10}: {last[0]}")
            for key, value in REQUIRED.items():
                got = lib.unit_values(unit, "Service", key)
                fails.check(value in got, f"{name}: needs {key}={value} (has {got})")
            fails.check("lnob.target" in lib.unit_values(unit, "Unit", "PartOf"),
                        f"{name}: not PartOf=lnob.target")
            fails.check("lnob.target" in lib.unit_values(unit, "Install", "WantedBy"),
                        f"{name}: not WantedBy=lnob.target")
    return fails.finish("deploy_systemd_test")


if __name__ == "__main__":
    sys.exit(main())
