#!/usr/bin/env bash
# Installs the benchmark's native load generator (wrk, from Debian) when it is missing. Benchmarks fall back to
# autocannon without it, but then the JavaScript generator competes with the servers for the same cores.
set -euo pipefail
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ]; then apt-get install -y wrk; else sudo apt-get install -y wrk; fi
fi
wrk --version 2>&1 | head -1 || true
