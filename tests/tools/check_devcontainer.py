#!/usr/bin/env python3
"""check_devcontainer.py: the dev container is valid and installs exactly README's packages.

Usage: check_devcontainer.py SOURCE_ROOT

What it holds .devcontainer/ to:
  - devcontainer.json is JSON (no comments, so any reader takes it), with only keys of the Dev
    Container specification that it means to use, each of the right type;
  - it builds from its Dockerfile with the repository as context, and creates the dev build
    (a ready ./course) when the container is created;
  - it asks VS Code for the C++ and CMake extensions and for CMake's presets;
  - the Dockerfile starts from Debian 12 (bookworm) and installs through
    tools/install-packages.sh with no argument, which reads README's quick start install line:
    the one list that README, CI and the container share.
"""
import json
import re
import sys
from pathlib import Path

# The keys of the Dev Container specification this file uses, and their JSON types.
KNOWN_KEYS = {
    "name": str,
    "build": dict,
    "remoteUser": str,
    "capAdd": list,
    "securityOpt": list,
    "customizations": dict,
    "postCreateCommand": (str, list),
}


def problems_of(root):
    folder = root / ".devcontainer"
    try:
        config = json.loads((folder / "devcontainer.json").read_text())
    except (OSError, ValueError) as error:
        return [f"devcontainer.json: cannot be read as JSON: {error}"]
    problems = []
    if not isinstance(config, dict):
        return ["devcontainer.json: the top level is not an object"]
    for key, value in config.items():
        if key not in KNOWN_KEYS:
            problems.append(f"devcontainer.json: unexpected key {key!r} (a misspelling?)")
        elif not isinstance(value, KNOWN_KEYS[key]):
            problems.append(f"devcontainer.json: {key!r} has the wrong type")
    for key in ("name", "build", "postCreateCommand"):
        if key not in config:
            problems.append(f"devcontainer.json: {key!r} is missing")

    build = config.get("build", {})
    dockerfile = folder / str(build.get("dockerfile", ""))
    if not build.get("dockerfile") or not dockerfile.is_file():
        problems.append("devcontainer.json: build.dockerfile does not name a file beside it")
    if (folder / str(build.get("context", "."))).resolve() != root.resolve():
        problems.append("devcontainer.json: build.context must be the repository (the Dockerfile copies README.md)")

    create = config.get("postCreateCommand", "")
    create = " ".join(create) if isinstance(create, list) else create
    if "--preset dev" not in create or "cmake --build" not in create:
        problems.append("devcontainer.json: postCreateCommand does not create the dev build")

    vscode = config.get("customizations", {}).get("vscode", {})
    extensions = set(vscode.get("extensions", []))
    for wanted in ("ms-vscode.cpptools", "ms-vscode.cmake-tools"):
        if wanted not in extensions:
            problems.append(f"devcontainer.json: the VS Code extension {wanted} is missing")
    if vscode.get("settings", {}).get("cmake.useCMakePresets") != "always":
        problems.append("devcontainer.json: cmake.useCMakePresets is not \"always\"")

    if dockerfile.is_file():
        text = dockerfile.read_text()
        instructions = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
        base = next((line for line in instructions if line.upper().startswith("FROM ")), "")
        if not re.search(r"(debian|bookworm)", base):
            problems.append(f"Dockerfile: the image is not Debian 12 (bookworm): {base or 'no FROM'}")
        runs = re.findall(r"^RUN\s+(\S+)(.*)$", text, re.MULTILINE)
        installs = [(program, rest) for program, rest in runs if program.endswith("tools/install-packages.sh")]
        if not installs:
            problems.append("Dockerfile: it does not install through tools/install-packages.sh")
        for _, rest in installs:
            arguments = rest.split("&&")[0].strip().rstrip("\\").strip()
            if arguments:
                problems.append(f"Dockerfile: install-packages.sh is given packages ({arguments}); README's line must be the list")
        if "apt-get install" in text:
            problems.append("Dockerfile: a package list of its own (apt-get install) beside README's")
        for copied in ("README.md", "tools/install-packages.sh"):
            if not re.search(rf"^COPY\s+{re.escape(copied)}\s", text, re.MULTILINE):
                problems.append(f"Dockerfile: {copied} is not copied into the image")
    return problems


def main():
    root = Path(sys.argv[1])
    problems = problems_of(root)
    for problem in problems:
        print(f".devcontainer/{problem}")
    if not problems:
        print(".devcontainer: valid, and it installs README's packages")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
