"""breaker41h: the README's second half read and run as a new user (session 41).

Each test was a strict xfail until its defect was fixed (fix41h); the tests after them
cover the fixes.
"""

from __future__ import annotations

import re

import pytest


def test_train_refuses_an_odd_head_width_before_any_work():
    # `vjepa-ros train --predictor-dim 65 --heads 5` (as the refusal of 64/5 advises) is
    # accepted, encodes every frame, then ends with `vjepa-ros train: unflatten: Provided
    # sizes [-1, 2] don't multiply up to the size of dim 3 (13) in the input tensor`: the 3D
    # RoPE rotates pairs of a head's dims, so a head width must be even. The check that
    # refuses heads narrower than 6 should refuse odd ones too, naming the settings.
    from vjepa_ros.train.config import ConfigError, make_config

    with pytest.raises(ConfigError, match="num_heads"):
        make_config({"predictor": {"embed_dim": 65, "num_heads": 5}}).check(
            need_paths=False, need_encoder=False)


def test_train_head_refusal_advises_a_width_that_trains():
    from vjepa_ros.train.config import ConfigError, make_config

    with pytest.raises(ConfigError) as caught:
        make_config({"predictor": {"embed_dim": 64, "num_heads": 5}}).check(
            need_paths=False, need_encoder=False)
    advised = re.search(r"predictor\.embed_dim (\d+) \(a multiple of 5\)", str(caught.value))
    assert advised, str(caught.value)
    assert int(advised.group(1)) // 5 % 2 == 0, str(caught.value)


def test_val_fraction_help_says_a_fraction_of_the_frames():
    # README, Post-training: whole usable episodes are held out until their frames come nearest
    # val_fraction of all frames, and the run prints `held out: 17 % of the frames (whole
    # episodes, by --seed, nearest --val-fraction of the frames)`. `vjepa-ros train --help`
    # says `Fraction of the training episodes held out for validation ...`: with one 400-frame
    # bag among nine 16-frame episodes the two differ by far.
    import dataclasses

    from vjepa_ros.train.config import TrainConfig

    data_type = {f.name: f for f in dataclasses.fields(TrainConfig)}["data"].type
    if isinstance(data_type, str):
        import vjepa_ros.train.config as config_module

        data_type = getattr(config_module, data_type)
    text = {f.name: f for f in dataclasses.fields(data_type)}["val_fraction"].metadata[
        "description"]
    assert "frames" in text, text


# A vjepa-ros that trains as the real one refuses and resumes: a new run into an --out holding
# latest.pt is refused, a --resume to the step count it already reached is refused as complete
# (both exit 1); collect succeeds silently. It records its arguments.
RUN_RECORDING_CLI = r'''#!/bin/sh
echo "args=$*"
if [ "$1" = train ]; then
  out=""; steps=""; resume=0; prev=""
  for a in "$@"; do
    [ "$prev" = "--out" ] && out="$a"; [ "$prev" = "--steps" ] && steps="$a"
    [ "$a" = "--resume" ] && resume=1; prev="$a"
  done
  if [ "$resume" = 0 ] && [ -e "$out/latest.pt" ]; then
    echo "vjepa-ros train: $out holds a training run (latest.pt): pass --resume" >&2; exit 1; fi
  if [ "$resume" = 1 ] && [ -e "$out/done_$steps" ]; then
    echo "vjepa-ros train: the run in $out is already complete" >&2; exit 1; fi
  mkdir -p "$out"; : > "$out/latest.pt"; : > "$out/world_model.pt"; : > "$out/done_$steps"
  exit 0
fi
exit 0
'''


def test_make_demo_model_rerun_keeps_a_finished_stage_one(tmp_path):
    # README: `bash scripts/make_demo_model.sh` (about 2.5 h; WORK=dir keeps episodes and
    # runs). Its collect and pretrain steps are skipped on a rerun ("a rerun keeps the
    # encoder"), but `train --out WORK/predictor` is not: a rerun after the 70 min stage 1
    # (say, stage 2's collection was interrupted) ends at once with `... holds a training run
    # (latest.pt): pass --resume`, and under set -e never reaches stage 2.
    from test_script_folders import run_script

    work = tmp_path / "w"
    for sub in ("episodes/train", "episodes/val"):
        (work / sub).mkdir(parents=True)
        (work / sub / "collector.json").write_text("{}")
    (work / "episodes" / "train" / "episode_000000.npz").write_bytes(b"")
    (work / "encoder.pt").write_bytes(b"")
    (work / "predictor").mkdir()
    for name in ("latest.pt", "world_model.pt", "done_", "done_1200", "done_3000", "done_6000"):
        (work / "predictor" / name).write_bytes(b"")
    write_log(work / "predictor", 6000, finished=True)  # written with latest.pt by every run
    done = run_script(tmp_path, "make_demo_model.sh", WORK=str(work),
                      fake_cli=RUN_RECORDING_CLI)
    assert "args=collect --task grasp" in done.stdout, done.stdout + done.stderr
    assert "args=train" not in done.stdout.partition("args=collect --task grasp")[0], done.stdout


def write_log(out, step: int, finished: bool) -> None:
    """Write the OUT/log.json summary of a run at ``step`` (world_model in files: finished)."""
    import json

    files = {"latest": str(out / "latest.pt"), "log": str(out / "log.json")}
    if finished:
        files["world_model"] = str(out / "world_model.pt")
    (out / "log.json").write_text(json.dumps({"summary": {"step": step, "files": files}}))


@pytest.mark.parametrize("step, finished, expected", [
    (2000, False, ["--resume --steps 3000", "--resume --steps 6000"]),  # stopped in the 2nd
    (3000, False, ["--resume --steps 3000", "--resume --steps 6000"]),  # its export failed
    (1200, True, ["--resume --steps 3000", "--resume --steps 6000"]),
    (6000, False, ["--resume --steps 6000"]),
])
def test_make_demo_model_rerun_resumes_an_unfinished_stage_one(tmp_path, step, finished,
                                                               expected):
    from test_script_folders import run_script

    work = tmp_path / "w"
    for sub in ("episodes/train", "episodes/val"):
        (work / sub).mkdir(parents=True)
        (work / sub / "collector.json").write_text("{}")
    (work / "encoder.pt").write_bytes(b"")
    (work / "predictor").mkdir()
    (work / "predictor" / "latest.pt").write_bytes(b"")
    write_log(work / "predictor", step, finished)
    done = run_script(tmp_path, "make_demo_model.sh", WORK=str(work),
                      fake_cli=RUN_RECORDING_CLI)
    stage_one = [line.split(" --out ")[1].partition(" ")[2] for line in
                 done.stdout.partition("args=collect --task grasp")[0].splitlines()
                 if line.startswith("args=train")]
    assert stage_one == expected, done.stdout + done.stderr


def test_make_manipulation_model_rerun_keeps_finished_runs(tmp_path):
    """run1 finished, run2 stopped at 1000 of 2500, run3 not started: run2 resumed, run3 new."""
    from test_script_folders import run_script

    reach = tmp_path / "reach"
    reach.mkdir()
    (reach / "episode_0.npz").write_bytes(b"")
    (reach / "world_model.pt").write_bytes(b"")
    work = tmp_path / "m"
    for sub in ("train", "train2"):
        (work / sub).mkdir(parents=True)
        (work / sub / "collector.json").write_text("{}")
        (work / sub / "episode_000000.npz").write_bytes(b"")
    for run, step, finished in (("run1", 2500, True), ("run2", 1000, False)):
        (work / run).mkdir()
        (work / run / "latest.pt").write_bytes(b"")
        write_log(work / run, step, finished)
    done = run_script(tmp_path, "make_manipulation_model.sh", WORK=str(work),
                      REACH_MODEL=str(reach / "world_model.pt"), REACH_EPISODES=str(reach),
                      fake_cli=RUN_RECORDING_CLI)
    trains = [line for line in done.stdout.splitlines() if line.startswith("args=train")]
    assert len(trains) == 2, done.stdout + done.stderr
    assert trains[0] == f"args=train --out {work / 'run2'} --resume --steps 2500"
    assert trains[1].startswith(f"args=train --out {work / 'run3'} --steps 3000 --data ")
