#!/usr/bin/env bash
# Reproduce the packaged demo world model (vjepa_ros/data/demo_world_model.pt) from scratch, on CPU,
# in two stages: a reach model (below, ~70 min), then its post-training on manipulation episodes
# mixed with the reach episodes (scripts/make_manipulation_model.sh, ~1.5 h). Every step is a
# `vjepa-ros` command; the numbers of the shipped run are in docs/demo_world_model.md and
# docs/manipulation.md. WORK=<dir> keeps the episodes and runs (default: ./demo_model_work).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# WORK (default ./demo_model_work) is from the caller's folder: resolved before the cd.
work="$(realpath -m "${WORK:-demo_model_work}")"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
run() { echo "+ $*" >&2; "$VJEPA_VENV/bin/vjepa-ros" "$@"; }
source "$here/train_to.sh"  # train_to OUT STEPS ARGS...: a rerun keeps finished runs

# 1. Scripted simulator episodes, 128x128 like the model's input (seeds 0..399 train, 100000.. val).
#    collect refuses a folder that holds episodes; its collector.json is written once all are
#    saved, so a rerun keeps a complete folder (a partial one is refused: remove it).
[[ -f "$work/episodes/train/collector.json" ]] || run collect --out "$work/episodes/train" \
  --episodes 400 --frames 16 --width 128 --height 128 --seed 0
[[ -f "$work/episodes/val/collector.json" ]] || run collect --out "$work/episodes/val" \
  --episodes 40 --frames 16 --width 128 --height 128 --seed 100000
# 2. The encoder: the V-JEPA 2 architecture at a small size (config/pretrain.yaml: 128 px, width 192,
#    depth 4), seeded initialization (--steps 0). JEPA pretraining is not used yet: docs/pretraining.md
#    has its measurements (a pretrained encoder must beat this one on landscape and reach first).
#    pretrain never overwrites its --out: a rerun keeps the encoder (the same seeded weights).
[[ -f "$work/encoder.pt" ]] || run pretrain --data "$work/episodes/train" --out "$work/encoder.pt" --steps 0
# 3. Post-train the action-conditioned predictor on the frozen encoder (config/train.yaml +
#    config/demo_model.yaml): 1200 steps, then resumed to 3000 and to 6000 steps, as the shipped
#    model was made (each resume re-enters the schedule's constant phase at the peak rate and
#    decays again at its end). CPU thread counts change float rounding: a rerun gives a model of
#    the same quality, not the same bytes. A rerun keeps the steps done (train_to).
train_to "$work/predictor" 1200 --data "$work/episodes/train" --val "$work/episodes/val" \
  --encoder "$work/encoder.pt" --config "$VJEPA_ROOT/config/demo_model.yaml"
train_to "$work/predictor" 3000
train_to "$work/predictor" 6000
# 4. Stage 2: manipulation (writes vjepa_ros/data/demo_world_model.pt).
REACH_MODEL="$work/predictor/world_model.pt" REACH_EPISODES="$work/episodes/train" \
  WORK="$work/manipulation" bash "$here/make_manipulation_model.sh"
