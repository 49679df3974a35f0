#!/usr/bin/env bash
# One-shot GPU check on a lent device (docs/device_check.md): models, planner, CUDA training and
# stage-1 pretraining, time-boxed, results under $OUT (else ./outputs/device_check). No install:
# it runs this checkout with the machine's python3 and torch; relative paths are the caller's.
# Options: benchmarks/device_check.py (e.g. --budget-s 450, --stages pretrain, --dry-run).
# Pure-Python wheels carried in .device_data/wheels (e.g. tqdm, which `vjepa-ros train` needs for
# the posttrain stage: `pip download --no-deps tqdm -d .device_data/wheels`) go on PYTHONPATH:
# Python imports such a wheel as it is, without installing it.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
wheels=""
for wheel in "$root"/.device_data/wheels/*-py3-none-any.whl; do
  [[ -f "$wheel" ]] && wheels="$wheels:$wheel"
done
export PYTHONPATH="$root$wheels${PYTHONPATH:+:$PYTHONPATH}" PYTHONUNBUFFERED=1
exec "${PYTHON:-python3}" "$root/benchmarks/device_check.py" "$@"
