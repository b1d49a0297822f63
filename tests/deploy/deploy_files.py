"""Reading the deployment files (deploy/) the way Docker, the kubelet and systemd read them, for
check_manifests.py: the Dockerfile's instructions per stage, the Kubernetes objects, the systemd unit's command,
and the flags a `fishtts` subcommand really has (from its --help)."""
import glob
import json
import os
import re
import shlex
import subprocess

import yaml


def dockerfile_stages(path):
    """[(from_line, [(INSTRUCTION, argument text)])] per FROM, with continuation lines joined and comments dropped."""
    logical, current = [], ""
    with open(path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.lstrip().startswith("#"):
                continue  # a comment, also between continuation lines
            if line.endswith("\\"):
                current += line[:-1] + " "
                continue
            current += line
            if current.strip():
                logical.append(current.strip())
            current = ""
    stages = []
    for line in logical:
        word, _, rest = line.partition(" ")
        word = word.upper()
        if word == "FROM":
            stages.append((rest.strip(), []))
        elif stages:
            stages[-1][1].append((word, rest.strip()))
    return stages


def exec_form(argument):
    """ENTRYPOINT/CMD arguments as a list: the JSON (exec) form, else the shell form split like sh would."""
    try:
        value = json.loads(argument)
        if isinstance(value, list):
            return value
    except json.JSONDecodeError:
        pass
    return shlex.split(argument)


def apt_packages(run_text):
    """The package names of every `apt-get install` in a RUN's text (options and shell operators dropped)."""
    packages = []
    for command in re.split(r"&&|;|\|\|", run_text):
        words = shlex.split(command)
        if "apt-get" in words and "install" in words:
            packages += [w for w in words[words.index("install") + 1:] if not w.startswith("-")]
    return packages


def kubernetes_objects(folder):
    """{(kind, name): object} of every YAML document in folder/*.yaml."""
    objects = {}
    for path in sorted(glob.glob(os.path.join(folder, "*.yaml"))):
        with open(path) as f:
            for doc in yaml.safe_load_all(f):
                if doc:
                    objects[(doc["kind"], doc["metadata"]["name"])] = doc
    return objects


def systemd_exec_start(path):
    """The ExecStart command line of a unit file, continuation lines joined, split into words."""
    text = open(path).read().replace("\\\n", " ")
    match = re.search(r"^ExecStart=(.*)$", text, re.M)
    return shlex.split(match.group(1)) if match else []


def subcommand_flags(fishtts, subcommand):
    """Every long flag `fishtts SUBCOMMAND --help` lists."""
    out = subprocess.run([fishtts, subcommand, "--help"], capture_output=True, text=True, check=True).stdout
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", out))


def flags_of(args):
    """{flag: value} of an argument list (--flag value, --flag=value; a flag followed by a flag has value None)."""
    flags, i = {}, 0
    while i < len(args):
        a = args[i]
        if a.startswith("--"):
            if "=" in a:
                k, v = a.split("=", 1)
                flags[k] = v
            elif i + 1 < len(args) and not args[i + 1].startswith("--"):
                flags[a] = args[i + 1]
                i += 1
            else:
                flags[a] = None
        i += 1
    return flags


def parse_quantity_cpu(value):
    """A Kubernetes CPU quantity ("2", "500m", 1.5) in cores."""
    s = str(value)
    return float(s[:-1]) / 1000 if s.endswith("m") else float(s)
