# Sourced by make_demo_model.sh and make_manipulation_model.sh (after bootstrap.sh and their
# `run` function): one way to bring a training run to a step count that a rerun can repeat.
#
# train_to OUT STEPS ARGS...: bring the run in OUT to STEPS steps, keeping finished work on a rerun:
# a new run (ARGS: its data, model and settings) when OUT holds no latest.pt, nothing when the
# run reached STEPS and wrote its world model (or went past them), else `--resume --steps STEPS`
# (an interrupted run, or one to train further). The step reached comes from OUT/log.json's
# summary, written with latest.pt (train refuses a new run into an OUT holding latest.pt, and
# a --resume to a run already complete).
train_to() {
  local out="$1" steps="$2"; shift 2
  if [[ ! -f "$out/latest.pt" ]]; then run train --out "$out" --steps "$steps" "$@"; return; fi
  local reached
  reached="$("$VJEPA_VENV/bin/python" -c 'import json, sys
s = json.load(open(sys.argv[1]))["summary"]
print(int(s["step"]) - ("world_model" not in s["files"]))' "$out/log.json" 2>/dev/null)" || reached=-1
  if (( reached >= steps )); then
    echo "+ kept $out: its run reached $steps steps (rm -r it to train it again)" >&2
  else
    run train --out "$out" --resume --steps "$steps"
  fi
}
