#!/usr/bin/env bash
# install-packages.sh: installs the Debian packages of README's quick start, its one install line being the only list.
#
# Usage: tools/install-packages.sh            the quick start's packages, those not installed yet
#        tools/install-packages.sh PACKAGE... these packages instead, those not installed yet
#        tools/install-packages.sh --list     print the quick start's packages, one a line
#
# README.md's install line is what a reader copies; CI (.ci/run) and the dev container
# (.devcontainer/Dockerfile) install through this script, so that all three install the same.
set -euo pipefail
readme=$(dirname "$0")/../README.md

quick_start_packages() {
  local line words
  line=$(grep -m1 '^sudo apt-get update && sudo apt-get install -y ' "$readme") ||
    { echo "install-packages.sh: no 'sudo apt-get update && sudo apt-get install -y ...' line in $readme" >&2; exit 1; }
  read -r -a words <<<"${line#*install -y }"
  printf '%s\n' "${words[@]}"
}

if [[ ${1:-} == --list ]]; then
  quick_start_packages
  exit
fi
if (($# == 0)); then
  list=$(quick_start_packages)
  mapfile -t packages <<<"$list"
else
  packages=("$@")
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  echo "all ${#packages[@]} packages present"
  exit
fi
sudo=""
((EUID == 0)) || sudo=sudo
$sudo apt-get update
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
