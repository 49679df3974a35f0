#!/usr/bin/env bash
# Stage 2 of the packaged demo world model: post-train the reach model's predictor on manipulation
# episodes mixed with its reach episodes, on CPU. scripts/make_demo_model.sh runs it after stage 1;
# run alone, it needs the stage-1 outputs:
#   REACH_MODEL=<reach world_model.pt> REACH_EPISODES=<its training episodes> bash scripts/make_manipulation_model.sh
# Every step is a `vjepa-ros` command; the numbers of the shipped run are in docs/manipulation.md
# ("The packaged demo model: reach and manipulation in one model"). WORK=<dir> keeps the episodes
# and runs (default: ./manipulation_model_work). About 1.5 h on 2 free CPU cores (collection
# ~25 min, training 18 + 14 + 22 min). The result is copied to vjepa_ros/data/demo_world_model.pt.
set -euo pipefail
reach_model="${REACH_MODEL:?set REACH_MODEL to the stage-1 reach model (scripts/make_demo_model.sh)}"
reach_episodes="${REACH_EPISODES:?set REACH_EPISODES to the stage-1 training episodes}"
# Checked before the install and the ~25 min of collection: a wrong path fails here, not at `train`.
[[ -f "$reach_model" ]] || { echo "make_manipulation_model.sh: REACH_MODEL $reach_model is not a file" \
  "(stage 1 writes WORK/predictor/world_model.pt)" >&2; exit 2; }
compgen -G "$reach_episodes/*.npz" > /dev/null || { echo "make_manipulation_model.sh: REACH_EPISODES" \
  "$reach_episodes holds no .npz episodes (stage 1 writes WORK/episodes/train)" >&2; exit 2; }
reach_model="$(realpath "$reach_model")" reach_episodes="$(realpath "$reach_episodes")"  # before cd
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# WORK (default ./manipulation_model_work) is from the caller's folder: resolved before the cd.
work="$(realpath -m "${WORK:-manipulation_model_work}")"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
run() { echo "+ $*" >&2; "$VJEPA_VENV/bin/vjepa-ros" "$@"; }
source "$here/train_to.sh"  # train_to OUT STEPS ARGS...: a rerun keeps finished runs

# 1. Scripted expert episodes into $work/train and $work/train2 (~25 min; a rerun keeps complete
#    folders): scripts/collect_manipulation_episodes.sh, which says what they hold.
WORK="$work" bash "$here/collect_manipulation_episodes.sh"
# 2. Post-train the reach model's predictor on them (its frozen seeded encoder,
#    config/demo_model.yaml): run 1 on the first set, run 2 with the second set added, run 3
#    with the reach episodes added back (runs 1-2 alone lose reaching: 15/20 held-out goals
#    against 18/20). CPU thread counts change float rounding: a rerun gives a model of the same
#    quality, not the same bytes. A rerun keeps the runs done and resumes an unfinished one.
train_to "$work/run1" 2500 --data "$work/train" --init "$reach_model" \
  --config "$VJEPA_ROOT/config/demo_model.yaml" --val-fraction 0.05 --eval-every 250 \
  --save-every 250
train_to "$work/run2" 2500 --data "$work/train" "$work/train2" --init "$work/run1/world_model.pt" \
  --config "$VJEPA_ROOT/config/demo_model.yaml" --val-fraction 0.05 --eval-every 500 \
  --save-every 500
train_to "$work/run3" 3000 --data "$work/train" "$work/train2" "$reach_episodes" \
  --init "$work/run2/world_model.pt" --config "$VJEPA_ROOT/config/demo_model.yaml" \
  --val-fraction 0.05 --eval-every 500 --save-every 500
cp "$work/run3/world_model.pt" "$VJEPA_ROOT/vjepa_ros/data/demo_world_model.pt"
echo "wrote vjepa_ros/data/demo_world_model.pt" >&2
