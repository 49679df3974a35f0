#!/usr/bin/env bash
# Reproduce the manipulation demo world model from the packaged reach demo model, on CPU.
# Every step is a `vjepa-ros` command; the numbers of the shipped run are in docs/manipulation.md
# ("The demo world model on manipulation"). WORK=<dir> keeps the episodes and runs
# (default: ./manipulation_model_work). About 1 h on 2 free CPU cores (collection ~25 min,
# training 2 x ~15 min).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
work="${WORK:-$VJEPA_ROOT/manipulation_model_work}"
run() { echo "+ $*" >&2; "$VJEPA_VENV/bin/vjepa-ros" "$@"; }
collect() {  # task object episodes first-seed out
  run collect --task "$1" --object "$2" --episodes "$3" --seed "$4" --width 128 --height 128 \
    --out "$work/$5/${1}_$2"
}

# 1. Scripted expert episodes (misses, re-grasps, detours, mis-placements, pauses, drops
#    mid-carry, empty-hand fidgets), 128x128 like the model's input. Held-out benchmark seeds
#    start at 900000.
for object in cup box; do
  collect grasp "$object" 60 0 train
  collect pick-and-place "$object" 60 1000 train
  collect reach-with-object "$object" 30 2000 train
  collect reach-with-object "$object" 80 6000 train2
  collect grasp "$object" 40 3000 train2
  collect pick-and-place "$object" 40 4000 train2
done
# 2. Post-train the reach demo model's predictor on them (its frozen seeded encoder,
#    config/demo_model.yaml), then once more with the second set added, as the shipped model
#    was made. CPU thread counts change float rounding: a rerun gives a model of the same
#    quality, not the same bytes.
run train --data "$work/train" --init "$VJEPA_ROOT/vjepa_ros/data/demo_world_model.pt" \
  --out "$work/run1" --config "$VJEPA_ROOT/config/demo_model.yaml" --steps 2500 \
  --val-fraction 0.05 --eval-every 250 --save-every 250
run train --data "$work/train" "$work/train2" --init "$work/run1/world_model.pt" \
  --out "$work/run2" --config "$VJEPA_ROOT/config/demo_model.yaml" --steps 2500 \
  --val-fraction 0.05 --eval-every 500 --save-every 500
echo "wrote $work/run2/world_model.pt" >&2
