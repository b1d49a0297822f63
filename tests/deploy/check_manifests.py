#!/usr/bin/env python3
"""The deployment files (deploy/Dockerfile, deploy/kubernetes/*.yaml, deploy/fishtts.service, docs/deploy.md)
checked against the real binary:
- every field of every Kubernetes object (and of the HPA snippet in docs/deploy.md) is one the API has, with its
  type (k8s_schema.py);
- every `fishtts serve` / `fishtts convert` flag they pass is one `--help` lists;
- ports agree (--listen, containerPort, probes, Service, EXPOSE, HEALTHCHECK); terminationGracePeriodSeconds
  exceeds preStop + --shutdown-grace; --threads is the CPU limit; the job converts with the replicas' model flags;
  non-root and read-only root fs; the runtime image installs the owner of every library ldd resolves;
- then live, on a tiny checkpoint, with each volume a scratch folder (mounted read-only where the manifest says
  so, when the test may mount): the job's commands convert and record the hashes, the init container waits until
  the job's last step is done and then passes, `fishtts serve` with the Deployment's own arguments loads
  the bundle without converting or rewriting it, every probe path answers 200 without the key, the Dockerfile's
  HEALTHCHECK passes (and fails once the server is gone), every metric name in docs/deploy.md and the manifests
  is in a real /metrics scrape, and SIGTERM ends the server with 0 within the grace period.

usage: check_manifests.py FISHTTS_BINARY REPO_ROOT
"""
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import deploy_files as df  # noqa: E402

failures = []


def check(ok, message):
    print(("ok:   " if ok else "FAIL: ") + message)
    if not ok:
        failures.append(message)
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(url, key=None):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"} if key else {})
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")
    except (urllib.error.URLError, OSError):
        return 0, ""


def port_of(listen):
    return int(listen.rsplit(":", 1)[1])


# ---- the files alone -------------------------------------------------------------------------------------------

def check_dockerfile(stages, serve_flags):
    check(len(stages) >= 2 and all(s[0].split()[0].startswith("debian:bookworm") for s in stages),
          f"Dockerfile: multi-stage on debian:bookworm ({[s[0] for s in stages]})")
    build_runs = " ".join(a for s in stages[:-1] for w, a in s[1] if w == "RUN")
    check("scripts/setup.sh" in build_runs and "cmake --install" in build_runs,
          "Dockerfile: the build stage runs scripts/setup.sh and cmake --install")
    final = stages[-1][1]
    last = {w: a for w, a in final}  # the last of each instruction counts
    entry, cmd = df.exec_form(last.get("ENTRYPOINT", "[]")), df.exec_form(last.get("CMD", "[]"))
    check(entry[-1:] == ["serve"] and os.path.basename(entry[0]) == "fishtts",
          f"Dockerfile: ENTRYPOINT is fishtts serve ({entry})")
    unknown = sorted(set(df.flags_of(entry[2:] + cmd)) - serve_flags)
    check(not unknown, f"Dockerfile: ENTRYPOINT/CMD flags are `fishtts serve` flags (unknown: {unknown})")
    user = last.get("USER", "root")
    check(user not in ("root", "0"), f"Dockerfile: runs as a non-root user ({user})")
    volumes = set(df.exec_form(last.get("VOLUME", "[]")))
    check({"/models", "/cache", "/voices"} <= volumes, f"Dockerfile: /models /cache /voices are volumes ({volumes})")
    listen = df.flags_of(cmd).get("--listen", "")
    expose = [int(p.split("/")[0]) for p in last.get("EXPOSE", "").split()]
    check(listen and expose == [port_of(listen)], f"Dockerfile: EXPOSE {expose} is CMD's --listen {listen}")
    health = last.get("HEALTHCHECK", "")
    health_cmd = health.split(" CMD ", 1)[1] if " CMD " in health else ""
    url = re.search(r"http://[^\s/]+:(\d+)(/\S*)", health_cmd)
    check(url and expose and int(url.group(1)) == expose[0] and url.group(2) == "/v1/health",
          f"Dockerfile: HEALTHCHECK asks /v1/health on the exposed port ({health_cmd})")
    uid = re.search(r"useradd\b.*--uid (\d+)", " ".join(a for w, a in final if w == "RUN"))
    runtime_packages = set(p for w, a in final if w == "RUN" for p in df.apt_packages(a))
    check(runtime_packages and not [p for p in runtime_packages if p.endswith("-dev")],
          f"Dockerfile: the runtime stage installs runtime packages only ({len(runtime_packages)})")
    return {"entry": entry, "cmd": cmd, "health_cmd": health_cmd, "health_port": int(url.group(1)) if url else 0,
            "uid": int(uid.group(1)) if uid else None, "packages": runtime_packages}


def check_runtime_libraries(fishtts, packages):
    """Each library ldd resolves is owned by a Debian package the runtime stage installs, or is ONNX Runtime
    (not packaged; `cmake --install` copies it into the prefix)."""
    out = subprocess.run(["ldd", fishtts], capture_output=True, text=True, check=True).stdout
    libs = re.findall(r"=> (/\S+)", out)
    # One dpkg -S for all: "package:arch: /path" per owned path (a usr-merged path may be known by either name).
    candidates = sorted({p for lib in libs for p in (lib, os.path.realpath(lib))})
    owned = subprocess.run(["dpkg", "-S", *candidates], capture_output=True, text=True).stdout
    owner_of = {line.split(": ", 1)[1]: line.split(":")[0] for line in owned.splitlines() if ": " in line}
    missing, unowned = [], []
    for lib in libs:
        owner = owner_of.get(lib) or owner_of.get(os.path.realpath(lib))
        if not owner:
            unowned.append(os.path.basename(lib))
        elif owner not in packages:
            missing.append(f"{owner} ({os.path.basename(lib)})")
    check(not missing, f"Dockerfile: the runtime stage installs every package ldd needs (missing: {missing})")
    check(all(u.startswith("libonnxruntime") for u in unowned),
          f"Dockerfile: libraries no package owns come with the install prefix ({unowned})")


def container_port(container, port):
    for p in container.get("ports", []):
        if port in (p.get("name"), p["containerPort"]):
            return p["containerPort"]
    return None


def check_kubernetes(objects, serve_flags, convert_flags, docker):
    dep = objects.get(("Deployment", "fishtts"))
    job = next((o for (k, _), o in objects.items() if k == "Job"), None)
    if not check(dep is not None and job is not None, "kubernetes: a Deployment fishtts and a Job"):
        return None
    pod = dep["spec"]["template"]["spec"]
    server = pod["containers"][0]
    check("command" not in server, "Deployment: the container runs the image's ENTRYPOINT (fishtts serve)")
    args = server["args"]
    flags = df.flags_of(args)
    unknown = sorted(set(flags) - serve_flags)
    check(not unknown, f"Deployment: every argument flag is a `fishtts serve` flag (unknown: {unknown})")
    listen_port = port_of(flags.get("--listen", ":0"))
    check(container_port(server, "http") == listen_port,
          f"Deployment: containerPort http is --listen's port {listen_port}")
    probes = {n: server.get(n, {}).get("httpGet", {}) for n in ("startupProbe", "livenessProbe", "readinessProbe")}
    for name, probe in probes.items():
        check(probe and container_port(server, probe.get("port")) == listen_port,
              f"Deployment: {name} {probe.get('path')} is on the listening port")
    check(probes["livenessProbe"].get("path") == "/v1/health" and probes["readinessProbe"].get("path") == "/v1/ready",
          "Deployment: liveness /v1/health, readiness /v1/ready")
    pre_stop = server.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop_s = float(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0.0
    grace = float(flags.get("--shutdown-grace") or 0)
    termination = pod.get("terminationGracePeriodSeconds", 30)
    check("--shutdown-grace" in flags and termination > pre_stop_s + grace,
          f"Deployment: terminationGracePeriodSeconds {termination} > preStop {pre_stop_s:g} "
          f"+ --shutdown-grace {grace:g}")
    limits = server.get("resources", {}).get("limits", {})
    requests = server.get("resources", {}).get("requests", {})
    check("cpu" in limits and flags.get("--threads") is not None and
          float(flags["--threads"]) == df.parse_quantity_cpu(limits["cpu"]),
          f"Deployment: --threads {flags.get('--threads')} is the CPU limit {limits.get('cpu')}")
    check("cpu" in requests and "memory" in requests and "memory" in limits,
          "Deployment: cpu and memory requests, memory limit")
    security = pod.get("securityContext", {})
    check(security.get("runAsNonRoot") is True and security.get("runAsUser") == docker["uid"],
          f"Deployment: non-root, as the image's user uid {docker['uid']} ({security.get('runAsUser')})")
    job_pod = job["spec"]["template"]["spec"]
    every_container = pod.get("initContainers", []) + pod["containers"]
    every_container += job_pod.get("initContainers", []) + job_pod["containers"]
    for c in every_container:
        sc = c.get("securityContext", {})
        check(sc.get("readOnlyRootFilesystem") is True and sc.get("allowPrivilegeEscalation") is False,
              f"{c['name']}: read-only root filesystem, no privilege escalation")
    mounts = {m["mountPath"]: m for m in server.get("volumeMounts", [])}
    for flag in ("--model", "--cache-dir", "--references-dir", "--api-key-file"):
        value = flags.get(flag)
        check(value is not None and any(value == p or value.startswith(p + "/") for p in mounts),
              f"Deployment: {flag} {value} lies on a mounted volume")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    claims = {n for (k, n) in objects if k == "PersistentVolumeClaim"}
    for m in mounts.values():
        v = volumes.get(m["name"], {})
        claim = v.get("persistentVolumeClaim", {}).get("claimName")
        check(v and (claim is None or claim in claims), f"Deployment: volume {m['name']} exists (claim {claim})")
    check(mounts.get("/cache", {}).get("readOnly") is True, "Deployment: the replicas mount the cache read-only")

    model_keys = ("--model", "--cache-dir", "--precision", "--codec-precision", "--sample-space", "--block-size")
    job_steps = job_pod.get("initContainers", []) + job_pod["containers"]
    for step in job_steps:
        command = step.get("command", []) + step.get("args", [])
        check(command[:2] == [docker["entry"][0], "convert"],
              f"Job {step['name']}: runs the image's fishtts convert ({command[:2]})")
        job_flags = df.flags_of(command[2:])
        unknown = sorted(set(job_flags) - convert_flags)
        check(not unknown, f"Job {step['name']}: every flag is a `fishtts convert` flag (unknown: {unknown})")
        same = all(job_flags.get(k) == flags.get(k) for k in model_keys)
        check(same, f"Job {step['name']}: the same model flags as the Deployment (the bundle's cache key)")

    service = objects.get(("Service", "fishtts"))
    if check(service is not None, "kubernetes: a Service fishtts"):
        labels = dep["spec"]["template"]["metadata"]["labels"]
        check(all(labels.get(k) == v for k, v in service["spec"]["selector"].items()),
              "Service: its selector matches the Deployment's pods")
        for p in service["spec"]["ports"]:
            check(container_port(server, p["targetPort"]) == listen_port,
                  f"Service: targetPort {p['targetPort']} is the listening port")
    hpa = next((o for (k, _), o in objects.items() if k == "HorizontalPodAutoscaler"), None)
    if check(hpa is not None, "kubernetes: a HorizontalPodAutoscaler"):
        check(hpa["spec"]["scaleTargetRef"]["name"] == "fishtts" and
              any(m.get("resource", {}).get("name") == "cpu" for m in hpa["spec"]["metrics"]),
              "HPA: scales the Deployment on CPU")
    return {"pod": pod, "server": server, "args": args, "flags": flags, "job_steps": job_steps,
            "termination": termination, "pre_stop": pre_stop_s, "probes": probes}


def check_schemas(objects, docs):
    """Field names and types of every object, and of the HPA metrics docs/deploy.md tells people to paste."""
    try:
        import k8s_schema
    except ImportError as e:
        check(False, f"kubernetes schemas: {e} (scripts/setup.sh installs python3-kubernetes)")
        return
    for (kind, name), obj in objects.items():
        found = k8s_schema.problems(obj)
        check(not found, f"{kind} {name}: every field is one of the API's, with its type {found[:5]}")
    snippets = [yaml.safe_load(b) for b in re.findall(r"```yaml\n(.*?)```", open(docs).read(), re.S)]
    metrics = [s["metrics"] for s in snippets if isinstance(s, dict) and "metrics" in s]
    found = [p for m in metrics for p in k8s_schema.field_problems(m, "list[V2beta2MetricSpec]", "metrics")]
    check(metrics and not found, f"docs/deploy.md: the HPA metrics snippet fits the API {found[:5]}")


# ---- live: the manifests' commands on scratch volumes ----------------------------------------------------------

class Volumes:
    """Each mount path of the manifests as a scratch folder (the same folder for every container that mounts the
    path); a container's read-only mounts are bind-mounted read-only in a private mount namespace when
    `unshare -m` may mount (root), else they are plain folders (said so)."""

    def __init__(self, work, containers):
        # /tmp is scratch in the pod; mapping it would rewrite the scratch folders' own paths.
        paths = {m["mountPath"] for c in containers for m in c.get("volumeMounts", [])} - {"/tmp"}
        self.map = {p: os.path.join(work, p.strip("/").replace("/", "_")) for p in paths}
        for d in self.map.values():
            os.makedirs(d, exist_ok=True)
        try:
            script = 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && ! touch "$1/.probe" 2>/dev/null'
            probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", work], capture_output=True)
            self.can_mount = probe.returncode == 0
        except OSError:  # no unshare (util-linux)
            self.can_mount = False
        print("read-only volumes:", "bind-mounted read-only" if self.can_mount else "NOT simulated (needs root)")

    def host(self, text):
        for path in sorted(self.map, key=len, reverse=True):
            text = self.map[path] if text == path else text.replace(path + "/", self.map[path] + "/")
        return text

    def command(self, container, argv=None):
        """The container's command (or argv) on the host, inside its read-only mounts."""
        argv = [self.host(a) for a in (argv or container["command"] + container.get("args", []))]
        read_only = [self.map[m["mountPath"]] for m in container.get("volumeMounts", [])
                     if m.get("readOnly") and m["mountPath"] in self.map]
        if not self.can_mount or not read_only:
            return argv
        script = ('for d in "$@"; do [ "$d" = -- ] && break; '
                  'mount --bind "$d" "$d" && mount -o remount,ro,bind "$d" "$d" || exit 97; done; '
                  'while [ "$1" != -- ]; do shift; done; shift; exec "$@"')
        return ["unshare", "-m", "sh", "-c", script, "sh", *read_only, "--", *argv]


def bundle_state(cache):
    bundles = os.path.join(cache, "bundles")
    # Bundles are folders; "<key>.lock" beside them is the conversion lock (convert/bundle_cache.cpp).
    names = sorted(n for n in os.listdir(bundles) if os.path.isdir(os.path.join(bundles, n))) \
        if os.path.isdir(bundles) else []
    stamps = {n: os.stat(os.path.join(bundles, n, "verified.json")).st_mtime_ns
              for n in names if os.path.exists(os.path.join(bundles, n, "verified.json"))}
    return names, stamps


def init_waits(vols, container, seconds=1.5):
    """True when the init container is still running after `seconds` (it waits), then stops it."""
    p = subprocess.Popen(vols.command(container), stdout=subprocess.DEVNULL)
    time.sleep(seconds)
    waiting = p.poll() is None
    p.kill()
    p.wait()
    return waiting


def run_job_step(vols, step, fishtts, image_binary):
    argv = [fishtts if a == image_binary else a for a in step["command"] + step.get("args", [])]
    try:
        r = subprocess.run(vols.command(step, argv), capture_output=True, text=True, timeout=300)
        code, err = r.returncode, r.stderr
    except subprocess.TimeoutExpired:
        code, err = "none within 300 s", ""
    if not check(code == 0, f"Job {step['name']}: exit {code}"):
        print(err[-2000:])


def check_live(fishtts, root, docker, k8s):
    work = tempfile.mkdtemp(prefix="fishtts-deploy-")
    server = None
    try:
        inits = k8s["pod"].get("initContainers", [])
        vols = Volumes(work, [k8s["server"], *inits, *k8s["job_steps"]])
        model = vols.host(k8s["flags"]["--model"])
        subprocess.run([fishtts, "dev", "make-checkpoint", "--preset", "tiny", "--out", model], check=True,
                       capture_output=True)
        key = secrets.token_hex(16)
        with open(vols.host(k8s["flags"]["--api-key-file"]), "w") as f:
            f.write(key + "\n")
        cache = vols.host(k8s["flags"]["--cache-dir"])

        exe = os.path.realpath(fishtts)
        for step in [None] + k8s["job_steps"][:-1]:
            if step:
                run_job_step(vols, step, fishtts, docker["entry"][0])
            when = f"after job step {step['name']}" if step else "before the job"
            check(inits and all(init_waits(vols, c) for c in inits), f"init containers: wait {when}")
        run_job_step(vols, k8s["job_steps"][-1], fishtts, docker["entry"][0])
        names, stamps = bundle_state(cache)
        check(len(names) == 1 and names[0] in stamps, f"Job: one bundle in the cache, its hashes recorded ({names})")
        for c in inits:
            try:
                code = subprocess.run(vols.command(c), capture_output=True, timeout=30).returncode
            except subprocess.TimeoutExpired:
                code = "none within 30 s"
            check(code == 0, f"init container {c['name']}: passes once the job has run (exit {code})")

        port = free_port()
        args = [f"127.0.0.1:{port}" if a == k8s["flags"]["--listen"] else a for a in k8s["args"]]
        log = open(os.path.join(work, "serve.log"), "w+")
        server = subprocess.Popen(vols.command(k8s["server"], [exe, "serve", *args]), stdout=log, stderr=log)
        base = f"http://127.0.0.1:{port}"
        end = time.monotonic() + 60
        while time.monotonic() < end and server.poll() is None and get(base + "/v1/health")[0] != 200:
            time.sleep(0.1)
        if not check(server.poll() is None and get(base + "/v1/health")[0] == 200,
                     "fishtts serve with the Deployment's arguments starts"):
            log.seek(0)
            print(log.read()[-2000:])
            return
        check(bundle_state(cache) == (names, stamps),
              "fishtts serve: loads the job's bundle, converts and rewrites nothing")
        for name, probe in k8s["probes"].items():
            status, _ = get(base + probe["path"])
            check(status == 200, f"{name} {probe['path']}: {status} without the API key")
        status, _ = get(base + "/metrics")
        check(status == 401, f"/metrics without the key: {status} (the key file is in force)")
        status, text = get(base + "/metrics", key)
        # Series names, and family names from "# TYPE" (a histogram's family has only _bucket/_sum/_count series).
        exported = set(re.findall(r"^(fishtts_\w+)", text, re.M)) | set(re.findall(r"^# TYPE (fishtts_\w+)", text, re.M))
        check(status == 200 and exported, f"/metrics with the key: {status}, {len(exported)} series names")
        documented = set()
        manifests = os.path.join(root, "deploy", "kubernetes")
        pages = [os.path.join(root, "docs", "deploy.md")] + [os.path.join(manifests, f) for f in os.listdir(manifests)]
        for path in pages:
            documented |= {n.rstrip("_") for n in re.findall(r"\bfishtts_[a-z0-9_]+", open(path).read())}
        unknown = sorted(n for n in documented if n not in exported)
        check(documented and not unknown, f"docs/deploy.md and manifests: {len(documented)} metric names, all exported "
                                          f"(unknown: {unknown})")

        health = docker["health_cmd"].replace(f":{docker['health_port']}/", f":{port}/")
        check(subprocess.run(["sh", "-c", health], capture_output=True).returncode == 0,
              "Dockerfile HEALTHCHECK: passes on the running server")

        start = time.monotonic()
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=k8s["termination"])
        except subprocess.TimeoutExpired:
            code = None
        took = time.monotonic() - start
        check(code == 0 and took < k8s["termination"] - k8s["pre_stop"],
              f"SIGTERM: exit {code} after {took:.1f} s (< terminationGracePeriodSeconds - preStop)")
        check(subprocess.run(["sh", "-c", health], capture_output=True).returncode != 0,
              "Dockerfile HEALTHCHECK: fails once the server is gone")
    finally:
        if server is not None and server.poll() is None:
            server.kill()
            server.wait()
        shutil.rmtree(work, ignore_errors=True)


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    fishtts, root = sys.argv[1], sys.argv[2]
    serve_flags = df.subcommand_flags(fishtts, "serve")
    convert_flags = df.subcommand_flags(fishtts, "convert")
    docker = check_dockerfile(df.dockerfile_stages(os.path.join(root, "deploy", "Dockerfile")), serve_flags)
    check_runtime_libraries(fishtts, docker["packages"])
    unit = df.systemd_exec_start(os.path.join(root, "deploy", "fishtts.service"))
    unknown = sorted(set(df.flags_of(unit[2:])) - serve_flags) if unit[1:2] == ["serve"] else ["(not fishtts serve)"]
    check(not unknown, f"fishtts.service: ExecStart flags are `fishtts serve` flags (unknown: {unknown})")
    objects = df.kubernetes_objects(os.path.join(root, "deploy", "kubernetes"))
    check_schemas(objects, os.path.join(root, "docs", "deploy.md"))
    k8s = check_kubernetes(objects, serve_flags, convert_flags, docker)
    if k8s:
        check_live(fishtts, root, docker, k8s)
    print(f"{len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
