#!/usr/bin/python3
"""deploy_manifests_test.py SOURCE_DIR BIN_DIR - deploy/ against the binaries.

Reads the systemd units, deploy/compose (compose.yaml, its lnob.conf, the
Dockerfile) and deploy/k8s (every manifest of base/, the kustomizations)
and checks that:
- every --flag and LNOB_* variable a worker is given is one its binary
  accepts (its --help);
- the configuration files pass `lnob config check`, and their endpoints make
  exactly the links of docs/security.md's table (plus the sink's Redis);
- every port of a Service, a container, a NetworkPolicy and compose is an
  endpoint the worker binds or its metrics port; the NetworkPolicy opens
  exactly those links, both ways;
- probes ask /healthz (liveness) and /readyz (readiness) on the metrics port,
  and the Prometheus annotations name that port;
- every key, password and certificate a command names is mounted, declared
  or loaded (and a --cert's _secret beside it); the Secrets reach the
  workers only through a mode-0400 copy;
- the image has the runtime library of every library the binaries link;
- deploy/redis/render-acl.sh gives a users.acl that redis-server takes;
- `kubectl kustomize deploy/k8s` renders, and so does the example overlay
  with throwaway keys (skipped, with a message, where kubectl is missing).
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_lib as lib  # noqa: E402

try:
    import yaml
except ImportError:
    sys.exit("deploy_manifests_test: no PyYAML for this python3: install the Debian package "
             "python3-yaml (deploy/install-deps.sh does)")

# The default ports of the metrics endpoints (--metrics, LNOB_METRICS):
# a transformer's is 9110 + its instance (the manifests run one per host or pod).
METRICS_PORT = {"ingest": 9101, "transform": 9110, "aggregate": 9102, "sink": 9103}
REDIS_PORT = 6379
# Who may reach Redis besides what docs/security.md's table says (docs/redis-acl.md).
REDIS_CLIENTS = ("sink", "dashboard")
# `lnob serve`, the dashboards' server: its Redis user reads the public twins alone.
DASHBOARD_ARGV = ["lnob", "serve"]
DASHBOARD_REDIS_USER = "lnob_dashboard"
SECURITY_NAMES = {"ingester": "ingest", "aggregator": "aggregate", "sink": "sink"}
IMAGE_SHARE = "/usr/local/share/lnob/"


class Invocation:
    """One worker started by a manifest: where, which, its argv and LNOB_* env."""

    def __init__(self, where, argv, env):
        self.where, self.argv, self.env = where, argv, env
        self.worker = "dashboard" if argv[:2] == DASHBOARD_ARGV else lib.worker_of(argv)


# ---- docs/security.md ---------------------------------------------------------

def security_links(src):
    """{(client, server, port)} from the table "Who is accepted where", plus Redis."""
    links = set()
    text = open(os.path.join(src, "docs", "security.md"), encoding="utf-8").read()
    for m in re.finditer(r"^\| [^|]*`:(\d+)` \| (\w+) \| ([^|]+) \|", text, re.M):
        server = SECURITY_NAMES[m.group(2)]
        for client in m.group(3).split(","):
            links.add((client.strip(), server, int(m.group(1))))
    links |= {(c, "redis", REDIS_PORT) for c in REDIS_CLIENTS}
    return links


def internal(links):
    return {l for l in links if l[0] in lib.PROGRAMS}


# ---- the configuration files --------------------------------------------------

def conf_links(fails, where, conf, eps, host_of):
    """Links the connecting endpoints of a configuration make; each must meet a bind."""
    links = set()
    for worker, lst in eps.items():
        for key, kind, host, port in lst:
            if kind != "connect":
                continue
            target = host_of.get(host)
            if not fails.check(target, f"{where}: [{worker}] {key} connects to {host}, "
                               "which is no service of the pipeline"):
                continue
            binds = {p for _, k, _, p in eps.get(target, []) if k == "bind"}
            fails.check(port in binds, f"{where}: [{worker}] {key} connects to {target}:{port}, "
                        f"which binds {sorted(binds)}")
            links.add((worker, target, port))
    url = conf.get("sink", {}).get("redis", conf.get("common", {}).get("redis"))
    hp = lib.redis_host_port(url or "")
    if fails.check(hp and host_of.get(hp[0]) == "redis", f"{where}: the sink's Redis is {url}"):
        links.add(("sink", "redis", hp[1]))
    return links


def bind_ports(eps, worker):
    return {p for _, kind, _, p in eps.get(worker, []) if kind == "bind"}


def check_conf_file(fails, bin_dir, path):
    """The manifests give each worker its CURVE certificate on the command line
    (a credential), not in the file: the check sees one through LNOB_CERT and
    LNOB_ALLOW (a throwaway key), and nothing else from this environment."""
    lnob = os.path.join(bin_dir, "lnob")
    with tempfile.TemporaryDirectory() as keys:
        subprocess.run([lnob, "keygen", keys, "--role", "sink"], check=True, capture_output=True, timeout=60)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "LNOB_CERT": os.path.join(keys, "sink.cert"), "LNOB_ALLOW": keys}
        out = subprocess.run([lnob, "config", "check", path], capture_output=True, text=True, timeout=60,
                             env=env)
    fails.check(out.returncode == 0, f"lnob config check {path}: exit {out.returncode}: {out.stderr}")


# ---- flags and variables ------------------------------------------------------

def check_dashboard(fails, inv):
    """lnob serve: reads Redis as lnob_dashboard, from a password file."""
    url = lib.flag_value(inv.argv, "--redis") or inv.env.get("LNOB_REDIS_URL", "")
    fails.check(re.match(rf"redis://{DASHBOARD_REDIS_USER}@", url),
                f"{inv.where}: lnob serve reads Redis as {url!r}, not as {DASHBOARD_REDIS_USER}")
    fails.check(lib.flag_value(inv.argv, "--redis-password-file") or inv.env.get("LNOB_REDIS_PASSWORD_FILE"),
                f"{inv.where}: lnob serve has no Redis password file")


def check_invocations(fails, invs, helps):
    for inv in invs:
        if not fails.check(inv.worker, f"{inv.where}: {inv.argv[0]} is no lnob worker"):
            continue
        h = helps[inv.worker]
        for flag in lib.flags_of(inv.argv):
            fails.check(flag in h.flags,
                        f"{inv.where}: {inv.argv[0]} has no option {flag} (its --help)")
        for name in inv.env:
            if name.startswith("LNOB_"):
                fails.check(name in h.envs,
                            f"{inv.where}: {inv.argv[0]} reads no variable {name} (its --help)")
        port = metrics_port(inv.env.get("LNOB_METRICS"))
        if port is not None and inv.worker in METRICS_PORT:
            fails.check(port == METRICS_PORT[inv.worker], f"{inv.where}: LNOB_METRICS port {port}, "
                        f"not the {inv.worker} metrics port {METRICS_PORT[inv.worker]}")


def metrics_port(value):
    m = re.match(r"^.*:(\d+)$", value or "")
    return int(m.group(1)) if m else None


# ---- systemd ---------------------------------------------------------------------

def check_systemd(fails, src):
    invs = []
    for path in lib.unit_files(src):
        name = os.path.basename(path)
        unit = lib.parse_unit(path)
        starts = lib.unit_values(unit, "Service", "ExecStart")
        if not starts:
            continue
        argv = shlex.split(starts[0])
        inv = Invocation(f"deploy/systemd/{name}", argv, lib.unit_environment(unit))
        invs.append(inv)
        creds = {}
        for line in lib.unit_values(unit, "Service", "LoadCredential"):
            cid, _, cpath = line.partition(":")
            creds[cid] = cpath
            fails.check(cpath.startswith("/etc/lnob/"), f"{name}: credential {cid} from {cpath}")
        used = set()
        for flag in ("--cert", "--pseudonym-key", "--redis-password-file"):
            value = lib.flag_value(argv, flag) or ""
            if not value.startswith("${CREDENTIALS_DIRECTORY}/"):
                fails.check(flag != "--cert", f"{name}: --cert is not a credential: {value}")
                continue
            cid = value.split("/", 1)[1]
            used.add(cid)
            fails.check(cid in creds, f"{name}: {flag} names credential {cid}, not loaded")
            if flag == "--cert":
                used.add(cid + "_secret")
                fails.check(cid + "_secret" in creds,
                            f"{name}: --cert {cid} needs LoadCredential={cid}_secret (read beside it)")
        for cid in creds:
            fails.check(cid in used, f"{name}: credential {cid} is loaded and never used")
        watch = lib.flag_value(argv, "--watch")
        if watch:
            fails.check(watch in lib.unit_values(unit, "Service", "ReadWritePaths"),
                        f"{name}: the drop folder {watch} is not in ReadWritePaths=")
    return invs


# ---- the Dockerfile ----------------------------------------------------------------

def dockerfile_stages(path):
    """[(base image, [package...], [(sources, destination)...], [--from copies])] by stage."""
    text = open(path, encoding="utf-8").read().replace("\\\n", " ")
    stages = []
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "FROM":
            stages.append((words[1], [], [], []))
        elif words[0] == "RUN" and "apt-get install" in line:
            part = line.split("apt-get install", 1)[1].split("&&")[0].split()
            stages[-1][1].extend(w for w in part if not w.startswith("-"))
        elif words[0] == "COPY":
            args = [w for w in words[1:] if not w.startswith("--")]
            target = stages[-1][3] if any(w.startswith("--from") for w in words) else stages[-1][2]
            target.append((args[:-1], args[-1]))
    return stages


def install_deps_packages(src):
    text = open(os.path.join(src, "deploy", "install-deps.sh"), encoding="utf-8").read()
    m = re.search(r'^PACKAGES="([^"]*)"', text, re.M)
    return set(m.group(1).replace("\\\n", " ").split())


def library_packages(bin_dir, binaries):
    """Debian packages holding the libraries the binaries link (NEEDED), but libc6."""
    libs = set()
    for b in binaries:
        out = subprocess.run(["ldd", os.path.join(bin_dir, b)], capture_output=True, text=True)
        needed = subprocess.run(["readelf", "-d", os.path.join(bin_dir, b)], capture_output=True,
                                text=True).stdout
        names = set(re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", needed))
        for line in out.stdout.splitlines():
            m = re.match(r"^\s*(\S+) => (\S+)", line)
            if m and m.group(1) in names:
                libs.add(os.path.realpath(m.group(2)))
    out = subprocess.run(["dpkg", "-S"] + sorted(libs), capture_output=True, text=True)
    pkgs = {line.split(":", 1)[0] for line in out.stdout.splitlines()}
    # a sanitizer build (make test-asan) links the sanitizers' runtimes, which
    # the image (a release build) does not
    return {p for p in pkgs - {"libc6"} if not re.match(r"lib(asan|ubsan|lsan|tsan)\d+$", p)}


def check_dockerfile(fails, src, bin_dir, path):
    stages = dockerfile_stages(path)
    rel = os.path.relpath(path, src)
    fails.check(len(stages) == 2, f"{rel}: {len(stages)} stages, not build and runtime")
    if len(stages) != 2:
        return set()
    for base, _, _, _ in stages:
        fails.check(base.startswith("debian:bookworm-slim"), f"{rel}: FROM {base}")
    build_pkgs, run_pkgs = set(stages[0][1]), set(stages[1][1])
    extra = build_pkgs - install_deps_packages(src)
    fails.check(not extra, f"{rel}: build packages not in deploy/install-deps.sh: {sorted(extra)}")
    fails.check(not any(p.endswith("-dev") for p in run_pkgs), f"{rel}: -dev packages at runtime")
    binaries = [os.path.basename(s) for srcs, _ in stages[1][3] for s in srcs]
    fails.check(sorted(binaries) == ["lnob", "lnob-aggregate", "lnob-ingest", "lnob-sink", "lnob-transform"],
                f"{rel}: copies {binaries} from the build")
    missing = library_packages(bin_dir, binaries) - run_pkgs
    fails.check(not missing, f"{rel}: the runtime stage lacks {sorted(missing)}, which the binaries link")
    image_files = set()
    for srcs, dest in stages[1][2]:
        for s in srcs:
            fails.check(os.path.exists(os.path.join(src, s)), f"{rel}: COPY {s}: no such file")
            image_files.add(os.path.join(dest, os.path.basename(s)) if dest.endswith("/") else dest)
    return image_files


# ---- compose -------------------------------------------------------------------------

def as_env(env):
    if isinstance(env, list):
        return dict(e.split("=", 1) if "=" in e else (e, "") for e in env)
    return {k: str(v) for k, v in (env or {}).items()}


def check_compose(fails, src, helps, links_expected, image_files):
    d = os.path.join(src, "deploy", "compose")
    doc = yaml.safe_load(open(os.path.join(d, "compose.yaml"), encoding="utf-8"))
    conf_path = os.path.join(d, "lnob.conf")
    conf = lib.read_conf(conf_path)
    eps = lib.effective_endpoints(conf, helps)
    services = doc.get("services", {})
    host_of = {name: name for name in services}
    links = conf_links(fails, "deploy/compose/lnob.conf", conf, eps, host_of)
    fails.check(links == internal(links_expected),
                f"deploy/compose/lnob.conf: links {sorted(links)}, docs/security.md: "
                f"{sorted(internal(links_expected))}")
    secrets, configs = doc.get("secrets", {}), doc.get("configs", {})
    for name, s in secrets.items():
        fails.check(s.get("file", "").startswith("./secrets/"),
                    f"compose.yaml: secret {name} is not a file in secrets/ (git ignores it)")
    for name, c in configs.items():
        fails.check(os.path.exists(os.path.join(d, c.get("file", ""))),
                    f"compose.yaml: config {name}: no file {c.get('file')}")
    ignored = open(os.path.join(d, ".gitignore"), encoding="utf-8").read().split()
    fails.check("/secrets/" in ignored, "deploy/compose/.gitignore does not ignore /secrets/")
    build = (services.get("sink") or {}).get("build", {})
    fails.check(os.path.exists(os.path.join(d, build.get("context", ""), build.get("dockerfile", ""))),
                f"compose.yaml: build {build}: no Dockerfile")
    used_secrets, invs = set(), []
    for name, svc in services.items():
        where = f"compose.yaml: {name}"
        targets = {}
        for s in svc.get("secrets", []):
            s = s if isinstance(s, dict) else {"source": s}
            fails.check(s["source"] in secrets, f"{where}: secret {s['source']} is not declared")
            used_secrets.add(s["source"])
            targets["/run/secrets/" + s.get("target", s["source"])] = s["source"]
        mounted = {}
        for c in svc.get("configs", []):
            fails.check(c["source"] in configs, f"{where}: config {c['source']} is not declared")
            mounted[c.get("target", "/" + c["source"])] = c["source"]
        for v in svc.get("volumes", []):
            host, _, rest = v.partition(":")
            mounted[rest.split(":")[0]] = host
            if not host.startswith((".", "/", "$")):
                fails.check(host in (doc.get("volumes") or {}), f"{where}: volume {host} is not declared")
        command = svc.get("command") or []
        words = [w for c in command for w in (c.split() if "\n" in c else [c])]
        for w in words:
            if w.startswith("/run/secrets/"):
                fails.check(w in targets, f"{where}: {w} is no secret of the service")
        for w in words:
            if w.startswith(IMAGE_SHARE) and name == "redis":
                fails.check(w in mounted, f"{where}: {w} is not mounted")
        expose = {int(p) for p in svc.get("expose", [])}
        published = {int(str(p).split(":")[-1]) for p in svc.get("ports", [])}
        if name == "redis":
            fails.check(published <= {REDIS_PORT}, f"{where}: publishes {published}")
            nets = set(svc.get("networks", []))
            with_redis = {n for n, s in services.items() if nets & set(s.get("networks", []))} - {name}
            fails.check(with_redis == {c for c in REDIS_CLIENTS if c in services},
                        f"{where}: shares a network with {sorted(with_redis)}")
            continue
        inv = Invocation(where, command, as_env(svc.get("environment")))
        invs.append(inv)
        if inv.worker == "dashboard":
            check_dashboard(fails, inv)
            fails.check(all(str(p).startswith("127.0.0.1:") for p in svc.get("ports", [])),
                        f"{where}: publishes {svc.get('ports')} beyond the host's loopback")
            continue
        if not inv.worker:
            continue
        cert = lib.flag_value(command, "--cert")
        fails.check(cert in targets and cert + "_secret" in targets,
                    f"{where}: --cert {cert} and {cert}_secret must both be secrets of the service")
        fails.check(lib.flag_value(command, "--config") in mounted,
                    f"{where}: --config is not the mounted lnob.conf")
        fails.check(lib.flag_value(command, "--allow") in mounted, f"{where}: --allow is not mounted")
        binds = bind_ports(eps, inv.worker)
        fails.check(expose == binds | {METRICS_PORT[inv.worker]},
                    f"{where}: expose {sorted(expose)}, binds {sorted(binds)} and metrics "
                    f"{METRICS_PORT[inv.worker]}")
        fails.check(published <= binds, f"{where}: publishes {sorted(published)}, binds {sorted(binds)}")
        fails.check("LNOB_METRICS" in inv.env, f"{where}: no LNOB_METRICS")
        test = " ".join(svc.get("healthcheck", {}).get("test", []))
        fails.check("/readyz" in test and "LNOB_METRICS" in test,
                    f"{where}: the healthcheck does not ask /readyz on the LNOB_METRICS port")
    for name in secrets:
        fails.check(name in used_secrets, f"compose.yaml: secret {name} is declared and never used")
    fails.check("replicas" in (services.get("transform", {}).get("deploy") or {}),
                "compose.yaml: transform has no deploy.replicas")
    return invs


# ---- Kubernetes ------------------------------------------------------------------------

def load_kustomization(path):
    return yaml.safe_load(open(os.path.join(path, "kustomization.yaml"), encoding="utf-8"))


def placeholders(kust):
    """Names of the generators whose every literal is empty: placeholders."""
    return {g["name"] for field in ("configMapGenerator", "secretGenerator") for g in kust.get(field, [])
            if g.get("literals") and all(l.endswith("=") for l in g["literals"])}


def generator_keys(kust):
    """{name: (kind, {keys})} of a kustomization's configMap and secret generators."""
    out = {}
    for kind, field in (("configMap", "configMapGenerator"), ("secret", "secretGenerator")):
        for g in kust.get(field, []):
            keys = {l.split("=", 1)[0] for l in g.get("literals", [])}
            keys |= {f.split("=", 1)[0] if "=" in f else os.path.basename(f) for f in g.get("files", [])}
            out[g["name"]] = (kind, keys)
    return out


def pod_files(pod, gens, image_files, where, fails):
    """{volume name: (kind, {file names} or None)} of a pod; an emptyDir holds what its
    init containers copy or write into it."""
    volumes = {}
    for v in pod.get("volumes", []):
        if "configMap" in v or "secret" in v:
            kind = "configMap" if "configMap" in v else "secret"
            ref = v[kind].get("name") or v[kind].get("secretName")
            g = gens.get(ref)
            if fails.check(g and g[0] == kind, f"{where}: volume {v['name']}: {kind} {ref} is not generated"):
                volumes[v["name"]] = (kind, set(g[1]))
        elif "emptyDir" in v:
            volumes[v["name"]] = ("emptyDir", set())
        else:
            volumes[v["name"]] = ("other", None)
    for c in pod.get("initContainers", []):
        line = " ".join(c.get("command", []))
        cm = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
        m = re.search(r"install -m (\d+) (\S+)/\* (\S+)/", line)
        if m:
            fails.check(m.group(1) == "0400", f"{where}: keys copied mode {m.group(1)}, not 0400")
            volumes[cm[m.group(3)]][1].update(volumes[cm[m.group(2)]][1])
        for w in re.findall(r"> (/\S+)", line):
            for path, vol in cm.items():
                if w.startswith(path + "/"):
                    volumes[vol][1].add(os.path.relpath(w, path))
        for w in re.findall(r"(/\S+)", line):
            check_path(w, cm, volumes, image_files, f"{where}: init {c['name']}", fails)
    return volumes


def check_path(path, mounts, volumes, image_files, where, fails):
    """A path a container names: in the image, a mount, or a file of a mounted volume."""
    path = path.split("=", 1)[-1]
    if path.startswith(IMAGE_SHARE):
        fails.check(path in image_files, f"{where}: {path} is not in the image (Dockerfile COPY)")
        return
    path = path.rstrip("/")
    for mpath, vol in mounts.items():
        if path == mpath:
            return
        if not path.startswith(mpath + "/"):
            continue
        kind, files = volumes[vol]
        rel = os.path.relpath(path, mpath)
        if files is not None and rel != "*":
            fails.check(rel in files, f"{where}: {path}: {kind} volume {vol} has no {rel} "
                        f"(it has {sorted(files)})")
        return
    fails.check(False, f"{where}: {path} is on no volume the container mounts")


def container_argv(c):
    return list(c.get("command", [])) + list(c.get("args", []))


def check_k8s(fails, src, helps, links_expected, image_files):
    base = os.path.join(src, "deploy", "k8s", "base")
    kust = load_kustomization(base)
    gens = generator_keys(kust)
    docs = []
    for r in kust.get("resources", []):
        docs += [d for d in yaml.safe_load_all(open(os.path.join(base, r), encoding="utf-8")) if d]
    conf = lib.read_conf(os.path.join(base, "lnob.conf"))
    eps = lib.effective_endpoints(conf, helps)
    by_kind = {}
    for d in docs:
        by_kind.setdefault(d["kind"], []).append(d)
    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    comp = lambda o: o["spec"]["selector"].get("app.kubernetes.io/component")  # noqa: E731
    host_of = {name: comp(s) for name, s in services.items()}
    links = conf_links(fails, "deploy/k8s/base/lnob.conf", conf, eps, host_of)
    fails.check(links == internal(links_expected),
                f"deploy/k8s/base/lnob.conf: links {sorted(links)}, docs/security.md: "
                f"{sorted(internal(links_expected))}")
    claims = {p["metadata"]["name"] for p in by_kind.get("PersistentVolumeClaim", [])}
    pods, invs = {}, []
    for w in by_kind.get("Deployment", []) + by_kind.get("StatefulSet", []):
        name = w["metadata"]["name"]
        where = f"deploy/k8s: {w['kind']} {name}"
        tmpl = w["spec"]["template"]
        component = tmpl["metadata"]["labels"].get("app.kubernetes.io/component")
        pod = tmpl["spec"]
        pods[component] = pod
        volumes = pod_files(pod, gens, image_files, where, fails)
        for v in pod.get("volumes", []):
            if "persistentVolumeClaim" in v:
                fails.check(v["persistentVolumeClaim"]["claimName"] in claims,
                            f"{where}: claim {v['persistentVolumeClaim']['claimName']} is not declared")
        for c in pod["containers"]:
            argv = container_argv(c)
            mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts", [])}
            env = {e["name"]: e.get("value", "") for e in c.get("env", [])}
            for value in list(env.values()) + argv:
                if value.startswith("/"):
                    check_path(value, mounts, volumes, image_files, f"{where}: {c['name']}", fails)
            if not argv or not argv[0].startswith("lnob"):
                continue
            inv = Invocation(f"{where}: {c['name']}", argv, env)
            invs.append(inv)
            worker = inv.worker
            if worker == "dashboard":
                check_dashboard(fails, inv)
                continue
            if not worker:
                continue
            for vol in mounts.values():
                fails.check(volumes[vol][0] != "secret",
                            f"{where}: mounts the Secret volume {vol}: lnob refuses its group-readable files")
            cert = env.get("LNOB_CERT") or lib.flag_value(argv, "--cert") or ""
            check_path(cert + "_secret", mounts, volumes, image_files, f"{where}: --cert's secret", fails)
            metrics = METRICS_PORT[worker]
            ports = {p["containerPort"]: p.get("name") for p in c.get("ports", [])}
            binds = bind_ports(eps, worker)
            fails.check(set(ports) == binds | {metrics}, f"{where}: container ports {sorted(ports)}, "
                        f"binds {sorted(binds)} and metrics {metrics}")
            for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
                get = c.get(probe, {}).get("httpGet", {})
                port = get.get("port")
                fails.check(get.get("path") == path and (port == metrics or port == ports.get(metrics)),
                            f"{where}: {probe} is {get}, not {path} on the metrics port {metrics}")
            ann = tmpl["metadata"].get("annotations", {})
            fails.check(ann.get("prometheus.io/scrape") == "true" and
                        ann.get("prometheus.io/port") == str(metrics) and
                        ann.get("prometheus.io/path") == "/metrics",
                        f"{where}: Prometheus annotations {ann}, metrics port {metrics}")
    for name, s in services.items():
        c = comp(s)
        want = {REDIS_PORT} if c == "redis" else bind_ports(eps, c)
        got = {p["port"] for p in s["spec"]["ports"]}
        fails.check(got == want, f"deploy/k8s: Service {name}: ports {sorted(got)}, {c} binds {sorted(want)}")
        cports = {p.get("name"): p["containerPort"] for ct in pods.get(c, {}).get("containers", [])
                  for p in ct.get("ports", [])}
        for p in s["spec"]["ports"]:
            t = p.get("targetPort", p["port"])
            fails.check(cports.get(t, t) == p["port"], f"deploy/k8s: Service {name}: targetPort {t}")
    check_policies(fails, by_kind.get("NetworkPolicy", []), links_expected, eps)
    for h in by_kind.get("HorizontalPodAutoscaler", []):
        ref = h["spec"]["scaleTargetRef"]
        fails.check(ref["name"] in {d["metadata"]["name"] for d in by_kind.get(ref["kind"], [])},
                    f"deploy/k8s: the autoscaler scales {ref}, which is not there")
        req = [c.get("resources", {}).get("requests", {}).get("cpu") for c in pods["transform"]["containers"]]
        fails.check(all(req), "deploy/k8s: the transformers request no CPU: the autoscaler needs it")
    overlay = os.path.join(src, "deploy", "k8s", "overlays", "example")
    ogens = generator_keys(load_kustomization(overlay))
    for name in placeholders(kust) | set(ogens):
        fails.check(ogens.get(name) == gens.get(name), f"deploy/k8s/overlays/example: {name} has "
                    f"{ogens.get(name)}, the base's placeholder {gens.get(name)}")
    ignored = open(os.path.join(overlay, "secrets", ".gitignore"), encoding="utf-8").read().split()
    fails.check(ignored[:1] == ["*"], "deploy/k8s/overlays/example/secrets/.gitignore does not ignore *")
    return invs


def peer(p):
    """Who a NetworkPolicy peer is: a component, 'prometheus', or None (DNS, other)."""
    labels = (p.get("podSelector") or {}).get("matchLabels", {})
    if labels.get("app.kubernetes.io/name") == "prometheus":
        return "prometheus"
    return labels.get("app.kubernetes.io/component")


def check_policies(fails, policies, links_expected, eps):
    ingress, egress = set(), set()
    for pol in policies:
        sel = pol["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/component")
        types = set(pol["spec"].get("policyTypes", []))
        if not sel:
            fails.check(types == {"Ingress", "Egress"} or not pol["spec"].get("ingress"),
                        f"NetworkPolicy {pol['metadata']['name']} selects every pod and opens ingress")
            continue
        for rule in pol["spec"].get("ingress", []):
            for p in rule.get("from", []):
                for port in rule.get("ports", []):
                    ingress.add((peer(p), sel, port["port"]))
        for rule in pol["spec"].get("egress", []):
            for p in rule.get("to", []):
                for port in rule.get("ports", []):
                    egress.add((sel, peer(p), port["port"]))
    names = {p["metadata"]["name"] for p in policies}
    fails.check("lnob-default-deny" in names, "NetworkPolicy: no lnob-default-deny")
    scrapes = {("prometheus", w, p) for w, p in METRICS_PORT.items()}
    fails.check(ingress == links_expected | scrapes,
                f"NetworkPolicy ingress {sorted(ingress - links_expected - scrapes)} more, "
                f"{sorted((links_expected | scrapes) - ingress)} missing")
    fails.check(egress == links_expected, f"NetworkPolicy egress {sorted(egress - links_expected)} more, "
                f"{sorted(links_expected - egress)} missing")


# ---- Redis users ---------------------------------------------------------------------------

def check_render_acl(fails, src, tmp):
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if not server or not cli:
        print("SKIP (part): redis-server or redis-cli missing: render-acl.sh not run against Redis")
        return
    script = os.path.join(src, "deploy", "redis", "render-acl.sh")
    pw = {"lnob_sink": "sink-pw-1", "lnob_reader": "reader-pw-2", "lnob_dashboard": "dashboard-pw-3"}
    args = []
    for user, p in pw.items():
        path = os.path.join(tmp, user + ".password")
        with open(path, "w") as f:
            f.write(p + "\r\n")
        args.append(f"{user}={path}")
    out = subprocess.run(["sh", script, os.path.join(src, "deploy", "redis", "users.acl")] + args,
                         capture_output=True, text=True, timeout=30)
    if not fails.check(out.returncode == 0, f"render-acl.sh: exit {out.returncode}: {out.stderr}"):
        return
    fails.check(not any(p in out.stdout for p in pw.values()), "render-acl.sh wrote a password")
    acl, sock = os.path.join(tmp, "users.acl"), os.path.join(tmp, "redis.sock")
    with open(acl, "w") as f:
        f.write(out.stdout)
    proc = subprocess.Popen([server, "--port", "0", "--unixsocket", sock, "--aclfile", acl, "--dir", tmp,
                             "--save", ""], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 10
        while not os.path.exists(sock) and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        if not fails.check(os.path.exists(sock), "redis-server refused the rendered users.acl"):
            return

        def said(user, *cmd):
            login = ["--user", user, "--pass", pw[user], "--no-auth-warning"] if user else []
            return subprocess.run([cli, "-s", sock] + login + list(cmd), capture_output=True,
                                  text=True, timeout=10).stdout.strip()

        fails.check(said("lnob_sink", "SET", "lnob:deploy", "1") == "OK", "lnob_sink cannot write lnob:*")
        fails.check(said("lnob_reader", "HLEN", "lnob:x") == "0", "lnob_reader cannot read lnob:*")
        fails.check(said("lnob_reader", "DEL", "lnob:deploy").startswith("NOPERM"), "lnob_reader may delete")
        fails.check(said("lnob_dashboard", "GET", "lnob:deploy").startswith("NOPERM"),
                    "lnob_dashboard may read the internal lnob:*")
        fails.check(said("lnob_dashboard", "HLEN", "lnob:pub:x") == "0", "lnob_dashboard cannot read lnob:pub:*")
        fails.check(said(None, "PING").startswith("NOAUTH"), "the default user is not off")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---- kubectl kustomize ---------------------------------------------------------------------

def check_kustomize(fails, src, bin_dir, tmp):
    kubectl = shutil.which("kubectl")
    if not kubectl:
        print("SKIP (part): kubectl is not installed: deploy/k8s was not rendered")
        return
    k8s = os.path.join(src, "deploy", "k8s")
    out = subprocess.run([kubectl, "kustomize", k8s], capture_output=True, text=True, timeout=60)
    fails.check(out.returncode == 0, f"kubectl kustomize deploy/k8s: {out.stderr}")
    copy = os.path.join(tmp, "k8s")
    shutil.copytree(k8s, copy)
    secrets = os.path.join(copy, "overlays", "example", "secrets")
    for role in ("ingest", "transform", "aggregate", "sink", "dashboard"):
        subprocess.run([os.path.join(bin_dir, "lnob"), "keygen", secrets, "--role", role],
                       capture_output=True, check=True, timeout=30)
    for name in ("person.key", "redis-sink.password", "redis-reader.password", "redis-dashboard.password"):
        fd = os.open(os.path.join(secrets, name), os.O_WRONLY | os.O_CREAT, 0o600)
        os.write(fd, os.urandom(16).hex().encode() + b"\n")
        os.close(fd)
    out = subprocess.run([kubectl, "kustomize", os.path.join(copy, "overlays", "example")],
                         capture_output=True, text=True, timeout=60)
    if not fails.check(out.returncode == 0, f"kubectl kustomize overlays/example: {out.stderr}"):
        return
    objs = [d for d in yaml.safe_load_all(out.stdout) if d]
    named = {(o["kind"], o["metadata"]["name"]) for o in objs}
    for o in objs:
        if o["kind"] in ("Secret", "ConfigMap"):
            empty = [k for k, v in (o.get("data") or {}).items() if not v]
            fails.check(not empty, f"overlays/example: {o['kind']} {o['metadata']['name']} keeps "
                        f"placeholders {empty}")
        pod = o.get("spec", {}).get("template", {}).get("spec")
        for v in (pod or {}).get("volumes", []):
            for kind, field, key in (("Secret", "secret", "secretName"), ("ConfigMap", "configMap", "name")):
                if field in v:
                    fails.check((kind, v[field][key]) in named,
                                f"overlays/example: {o['metadata']['name']} mounts {kind} {v[field][key]}, "
                                "which is not rendered")


def main():
    src, bin_dir = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    fails = lib.Failures()
    helps = {name: lib.program_help(bin_dir, name) for name in lib.PROGRAMS}
    helps["dashboard"] = lib.program_help(bin_dir, "dashboard", ["lnob", "serve"])
    links = security_links(src)
    fails.check(len(internal(links)) == 6, f"docs/security.md's table gave the links {sorted(links)}")
    for conf in ("deploy/compose/lnob.conf", "deploy/k8s/base/lnob.conf"):
        check_conf_file(fails, bin_dir, os.path.join(src, conf))
    image_files = check_dockerfile(fails, src, bin_dir, os.path.join(src, "deploy", "compose", "Dockerfile"))
    invs = check_systemd(fails, src)
    invs += check_compose(fails, src, helps, links, image_files)
    invs += check_k8s(fails, src, helps, links, image_files)
    check_invocations(fails, invs, helps)
    started = {i.worker for i in invs if i.worker}
    fails.check(started == set(lib.PROGRAMS) | {"dashboard"}, f"the manifests start {sorted(started)}")
    with tempfile.TemporaryDirectory() as tmp:
        check_render_acl(fails, src, tmp)
        check_kustomize(fails, src, bin_dir, tmp)
    print(f"checked {len(invs)} worker command lines against their --help")
    return fails.finish("deploy_manifests_test")


if __name__ == "__main__":
    sys.exit(main())
