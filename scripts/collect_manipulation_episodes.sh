#!/usr/bin/env bash
# The scripted expert's manipulation episodes the packaged demo world model was post-trained on
# (scripts/make_manipulation_model.sh runs this first; scripts/pack_manipulation_episodes.sh packs
# them for a GPU). Every step is a `vjepa-ros collect`; a complete folder is kept on a rerun, a
# partial one (a collect killed midway, an episode removed since) or one collected with other
# options collected again. Complete: its collected.txt, written once collect ended with status 0,
# names this collect and as many episodes as the folder holds (fewer than asked where collect
# skipped a seed: no sub-goal images, status 0); a folder without one (from before the record):
# all its episodes (collect saves each whole or not at all). WORK=<dir> (default
# ./manipulation_model_work) gets train/ and train2/: 12 folders, 740 episodes, ~15 000 frames,
# ~25 min on 2 free CPU cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# WORK (default ./manipulation_model_work) is from the caller's folder: resolved before the cd.
work="$(realpath -m "${WORK:-manipulation_model_work}")"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
collect() {  # task object episodes first-seed set
  local out="$work/$5/${1}_$2" done_file="collected.txt"
  local args=(--task "$1" --object "$2" --episodes "$3" --seed "$4" --width 128 --height 128)
  local have; have=$( (find "$out" -maxdepth 1 -name '*.npz' 2>/dev/null || true) | wc -l)
  # Complete: what $done_file (written once collect ended with status 0: a seed SKIPPED writes
  # none) says, this very collect and as many episodes as it saved; a record of other options
  # (an older script's --width or seeds) is collected again. No record (a folder from before
  # the record): all the episodes asked.
  local record="vjepa-ros collect ${args[*]}: $have episodes" recorded
  recorded="$(cat "$out/$done_file" 2>/dev/null || true)"
  if { [[ -z "$recorded" ]] && [[ "$have" -eq "$3" ]]; } ||
     { [[ "$have" -gt 0 ]] && [[ "$recorded" == "$record" ]]; }; then
    echo "+ kept $out ($have episodes)" >&2
    return
  fi
  rm -rf "$out"  # collect refuses a folder that holds episodes: a partial one starts again
  echo "+ vjepa-ros collect ${args[*]} --out $out" >&2
  "$VJEPA_VENV/bin/vjepa-ros" collect "${args[@]}" --out "$out" || return  # killed: no record
  [[ -d "$out" ]] || return 0  # (a collect that saved nothing has no folder to record in)
  have=$(find "$out" -maxdepth 1 -name '*.npz' | wc -l)
  echo "vjepa-ros collect ${args[*]}: $have episodes" > "$out/$done_file"  # the record above
}

# Scripted expert episodes (misses, re-grasps, detours, mis-placements, pauses, drops mid-carry,
# empty-hand fidgets), 128x128 like the model's input. Held-out benchmark seeds start at 900000.
for object in cup box; do
  collect grasp "$object" 60 0 train
  collect pick-and-place "$object" 60 1000 train
  collect reach-with-object "$object" 30 2000 train
  collect reach-with-object "$object" 80 6000 train2
  collect grasp "$object" 40 3000 train2
  collect pick-and-place "$object" 40 4000 train2
done
