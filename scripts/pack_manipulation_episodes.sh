#!/usr/bin/env bash
# Prepare issue 15's GPU post-training (docs/device_check.md, "What the next lent GPU should
# run"): the manipulation episodes (scripts/collect_manipulation_episodes.sh) and the reach
# episodes of scripts/make_demo_model.sh (seeds 0-399), packed into
# .device_data/manipulation.tar.xz (~32 MB: benchmarks/device_pack.py), and tqdm's wheel into
# .device_data/wheels (the GPU machine may lack it). ~35 min on 2 free CPU cores; a rerun keeps
# complete folders (those a finished collect's collected.txt names: see
# collect_manipulation_episodes.sh) and an existing pack (remove it to pack again). WORK=<dir> as
# the collection's (default ./manipulation_model_work). Then, on the device (one call):
#   bash scripts/device_check.sh --stages posttrain --budget-s 420
# carrying .device_data/manipulation.tar.xz and .device_data/wheels.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="$(realpath -m "${WORK:-manipulation_model_work}")"
WORK="$work" bash "$here/collect_manipulation_episodes.sh"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
if [[ ! -f "$work/reach/collector.json" ]]; then  # make_demo_model.sh's reach training set
  rm -rf "$work/reach"
  echo "+ vjepa-ros collect --out $work/reach --episodes 400 --seed 0" >&2
  "$VJEPA_VENV/bin/vjepa-ros" collect --out "$work/reach" --episodes 400 --frames 16 \
    --width 128 --height 128 --seed 0
fi
mkdir -p .device_data/wheels
pack=.device_data/manipulation.tar.xz
if [[ -f "$pack" ]]; then
  echo "+ kept $pack (remove it to pack again)" >&2
else
  "$VJEPA_VENV/bin/python" benchmarks/device_pack.py --out "$pack" \
    "$work/train" "$work/train2" "$work/reach"
fi
compgen -G ".device_data/wheels/tqdm-*-py3-none-any.whl" > /dev/null || \
  "$VJEPA_VENV/bin/pip" download -q --no-deps tqdm -d .device_data/wheels || \
  echo "pack_manipulation_episodes.sh: could not download tqdm's wheel; the GPU machine may" \
    "lack tqdm (device_check.py says so in one line)" >&2
ls -la "$pack" .device_data/wheels
