#!/usr/bin/env bash
# The scripted expert's manipulation episodes the packaged demo world model was post-trained on
# (scripts/make_manipulation_model.sh runs this first; scripts/pack_manipulation_episodes.sh packs
# them for a GPU). Every step is a `vjepa-ros collect`; a complete folder is kept on a rerun, a
# partial one (a collect killed midway, an episode removed since) or one collected with other
# options collected again. Complete: its collected.txt, written once collect ended with status 0,
# names this collect and the episodes the folder holds, by name (fewer than asked where collect
# skipped a seed: no sub-goal images, status 0; any `vjepa-ros collect` into the folder removes
# the record, so a folder collected again by hand is collected again here); a folder without
# one (a hand-run collect's, a killed one's, one from before the record) is collected again.
# A collect that fails (status 1: every seed skipped, nothing saved)
# does not stop the others: the last lines name the folders short of the episodes asked and
# those that failed, and the status is then 1; a collect stopped by a signal (Ctrl-C, kill)
# stops the script. WORK=<dir> (default ./manipulation_model_work) gets train/ and train2/: 12
# folders, 740 episodes, ~15 000 frames, ~25 min on 2 free CPU cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# WORK (default ./manipulation_model_work) is from the caller's folder: resolved before the cd.
work="$(realpath -m "${WORK:-manipulation_model_work}")"
source "$here/bootstrap.sh"
cd "$VJEPA_ROOT"
short=() failed=()  # "set/folder (N of M episodes)": short of those asked; collects that failed
episode_names() {  # folder: its episode files' names, one a line, sorted (none: nothing)
  (find "$1" -maxdepth 1 -name '*.npz' 2>/dev/null || true) | sed 's|.*/||' | LC_ALL=C sort
}
collect() {  # task object episodes first-seed set
  local out="$work/$5/${1}_$2" done_file="collected.txt" status=0 names have
  local args=(--task "$1" --object "$2" --episodes "$3" --seed "$4" --width 128 --height 128)
  # The record (written once collect ended with status 0: a seed SKIPPED leaves a gap, no
  # episode): this very collect and the folder's episodes by name; a record of other options (an
  # older script's --width or seeds) or other episodes is collected again; `vjepa-ros collect`
  # removes it when it starts. No record: collected again (a hand-run collect of other options
  # or seeds at the count asked looked complete: breaker45f).
  names=$(episode_names "$out") have=$(grep -c . <<< "$names" || true)
  local record="vjepa-ros collect ${args[*]}: $have episodes"$'\n'"$names" recorded
  recorded="$(cat "$out/$done_file" 2>/dev/null || true)"
  if [[ "$have" -gt 0 ]] && [[ "$recorded" == "$record" ]]; then
    echo "+ kept $out ($have episodes)" >&2
  else
    rm -rf "$out"  # collect refuses a folder that holds episodes: a partial one starts again
    echo "+ vjepa-ros collect ${args[*]} --out $out" >&2
    "$VJEPA_VENV/bin/vjepa-ros" collect "${args[@]}" --out "$out" || status=$?
    # killed or stopped (a signal: 128 + its number): the script stops, no record
    [[ "$status" -le 128 ]] || return "$status"
    names=$(episode_names "$out") have=$(grep -c . <<< "$names" || true)
    if [[ "$status" -ne 0 ]]; then  # (every seed skipped: nothing saved) the others go on
      failed+=("$5/${1}_$2 (collect status $status, $have of $3 episodes)")
      return 0
    fi
    [[ -d "$out" ]] || return 0  # (a collect that saved nothing has no folder to record in)
    printf '%s\n' "vjepa-ros collect ${args[*]}: $have episodes" "$names" > "$out/$done_file"
  fi
  [[ "$have" -ge "$3" ]] || short+=("$5/${1}_$2 ($have of $3 episodes)")
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

# What the folders lack, said last: a seed skipped is no error (collect's status 0), a failed
# collect is (status 1 once every other folder is done)
if ((${#short[@]})); then
  echo "collect_manipulation_episodes.sh: short of the episodes asked (seeds SKIPPED: see their" \
    "lines above):" >&2
  printf '  %s\n' "${short[@]}" >&2
fi
if ((${#failed[@]})); then
  echo "collect_manipulation_episodes.sh: FAILED (see the lines of their collect; a rerun" \
    "collects them again):" >&2
  printf '  %s\n' "${failed[@]}" >&2
  exit 1
fi
