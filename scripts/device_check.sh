#!/usr/bin/env bash
# One-shot GPU check on a lent device (docs/device_check.md): models, planner, CUDA training and
# stage-1 pretraining, time-boxed, results under $OUT (else ./outputs/device_check). No install:
# it runs this checkout with the machine's python3 and torch; relative paths are the caller's.
# Options: benchmarks/device_check.py (e.g. --budget-s 450, --stages pretrain, --dry-run).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" "$root/benchmarks/device_check.py" "$@"
