#!/usr/bin/env bash
# Reproduce the camera-placement world model of the camera check's proof (issue 19; README "Camera
# placement check", docs/camera_placement.md) from the packaged reach demo model, on CPU, and run
# its benchmark. Every step is a `vjepa-ros` command or a benchmark script. WORK=<dir> keeps the
# episodes, the run and the benchmark's JSON (default: ./camera_placement_work). About 1 h on 2 free
# CPU cores (collection ~13 min, training ~17 min, benchmark ~30 min as two processes).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# WORK (default ./camera_placement_work) is from the caller's folder: resolved before the cd.
work="$(realpath -m "${WORK:-camera_placement_work}")"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
run() { echo "+ $*" >&2; "$VJEPA_VENV/bin/vjepa-ros" "$@"; }
bench() { echo "+ bench_camera_check.py $*" >&2; "$VJEPA_VENV/bin/python" \
  benchmarks/bench_camera_check.py --checkpoint "$work/run/world_model.pt" --goals 10 "$@"; }

# 1. The demo's scripted motions, 128x128, each episode with a camera pose of its own (collect
#    --randomize camera: the eye within +-(0.2, 0.3, 0.2) m and the look-at point within +-6 cm of
#    the default; field of view, light and objects as the default scene). Azimuths -58..-13 deg,
#    elevations 0..32 deg, 0.6..1.3 m from the look-at point. A pose whose image holds less than
#    96 % of the collector's workspace or 55 % of the object region is drawn again from the same
#    seed (sim/randomize.py). The model of docs/camera_placement.md was trained on the draws from
#    before that rule: 13 of these 600 training seeds (90 109 127 226 307 460 527 528 537 553 558
#    587 595) and 1 of the 40 validation seeds (100006) now get another pose.
#    A rerun keeps a complete folder (collector.json is written once all episodes are saved).
[[ -f "$work/episodes/train/collector.json" ]] || run collect --out "$work/episodes/train" \
  --episodes 600 --frames 16 --width 128 --height 128 --seed 0 --randomize camera
[[ -f "$work/episodes/val/collector.json" ]] || run collect --out "$work/episodes/val" \
  --episodes 40 --frames 16 --width 128 --height 128 --seed 100000 --randomize camera
# 2. Post-train the packaged demo model's predictor on them (its frozen seeded encoder).
run train --data "$work/episodes/train" --val "$work/episodes/val" \
  --init "$VJEPA_ROOT/vjepa_ros/data/demo_world_model.pt" --out "$work/run" \
  --config "$VJEPA_ROOT/config/demo_model.yaml" --steps 3000 --eval-every 500 --save-every 500
# 3. The camera check and reach at the default placement, two training poses and held-out
#    placements (azimuth offsets from the default's -36 deg; elevation 50 deg), as two processes.
bench --training-scene 2 --training-scene 6 --placement 45 15 --placement -45 15 \
  --json "$work/bench_a.json" > "$work/bench_a.log" 2>&1 &
bench --skip-default --placement 70 15 --placement -70 15 --placement 100 15 --placement 0 50 \
  --json "$work/bench_b.json" > "$work/bench_b.log" 2>&1 &
wait
tail -n 8 "$work/bench_a.log" "$work/bench_b.log"
