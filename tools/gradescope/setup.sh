#!/usr/bin/env bash
# setup.sh: Gradescope runs this once, as root, when it builds the autograder image.
set -euo pipefail
cd /autograder/source
# README's quick start is the one list of packages; the script installs those missing.
tools/install-packages.sh
# Build the course tool and warm the grading build (test mains, precompiled headers, the
# stubs), so that each submission only compiles its own files.
./course --help >/dev/null
./course grade --quiet --format json --output /tmp/warm-up.json || true
