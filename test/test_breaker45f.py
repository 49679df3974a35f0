"""breaker45f: attacks bfbe2d14 (collected.txt by name), 44ad834e (END_NOT_COMPUTED), 0c8d4841.

Attacked: scripts/collect_manipulation_episodes.sh's record (options line + sorted episode
names), ``vjepa-ros collect`` removing it when it starts, the script going on after a failed
folder (status 1 or 2) and stopping at once on a signal; WORK with spaces, extra non-episode
files, an episode removed after the record, the old one-line record, a collect killed by
Ctrl-C mid-folder then a rerun, scripts/pack_manipulation_episodes.sh on top of a failed
folder; every reader of ``Steps.end_problems`` / ``ends`` (eval resamples with the period ends:
no END_NOT_COMPUTED there); the simulated hand's new move rule (holds at rest after a full
opening, an opening that was blocked and then freed).

Defects found: (1) the record is removed by any hand-run ``vjepa-ros collect``, and a folder
without a record falls under the "from before the record" rule (all episodes asked: kept). So a
folder emptied and collected again by hand with other options (e.g. --width 64) at the asked count
is still kept as the script's collect, the very case bfbe2d14 (and the README) says it no longer
keeps. (2) ``Sim._move_running`` counts a move that reached its width and was then pushed slowly
off it (at rest) as running: the planner's holds at the measured width then re-aim the goal each
tick and it creeps with the push, where the hand's rule says a hold at rest changes nothing.
Both fixed (each test was a strict xfail): a folder without a record is collected again; a move
runs until its fingers reach its width (``Sim._move_pending``), as franka_gripper's move action.

Held up: WORK with spaces (collect, record, rerun keeps all 12); extra non-episode files and
sub-goal images beside a recorded folder's episodes (kept); an episode removed after the record
(collected again); an old one-line record (collected again, never kept as the new one); a collect
killed by SIGINT mid-folder (script stops with 130, no record; the rerun collects it again); a
refusal (status 2) goes on like a failure and is named at the end; the pack script packs nothing
when a folder failed; eval's steps never say END_NOT_COMPUTED, a Steps given ends says END_PAST
only where an end is NaN; the hand's holds at rest after a move (0.01 to 0.08 m, 0.0799 m too:
the fingers settle within 0.1 mm) change nothing, and a hold at the width an opening was blocked
at keeps the hand there once freed.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import types

import numpy as np
import pytest
from collect_script_harness import WRITES_ALL, calls, run_collect
from test_bootstrap_venv import make_checkout, make_fake_venv
from test_collect_script_record import FAILING_CLI
from test_script_folders import COLLECTING_CLI, run_script

from conftest import REPO_ROOT
from vjepa_ros.cli import main
from vjepa_ros.recordings.resample import (
    END_NOT_COMPUTED,
    END_PAST,
    Steps,
    resample,
)

FOLDER = ("work", "train", "grasp_cup")


def _folder(tmp_path):
    return tmp_path.joinpath(*FOLDER)


# -- collect_manipulation_episodes.sh's record (bfbe2d14)

def test_a_hand_collect_with_other_options_at_the_asked_count_is_not_kept(tmp_path, monkeypatch):
    """A recorded folder emptied and collected again by hand at --width 64 must be redone.

    Input: the script collects train/grasp_cup (3 episodes, 128 px, record written); the user
    empties it and runs ``vjepa-ros collect --task grasp --object cup --episodes 3 --seed 0
    --width 64 --height 64 --out <it>`` (3 episodes, same names). collect removes
    collected.txt when it starts (bfbe2d14). Rerun of the script: no record and 3 of 3
    episodes, the pre-record rule: "+ kept" with 64 px episodes in the 128 px training set.
    Should: collected again (bfbe2d14: "a folder emptied and collected again by hand, other
    options ..., is no longer kept as the recorded collect's").
    """
    first = run_collect(tmp_path)
    assert first.returncode == 0, first.stderr
    folder = _folder(tmp_path)
    assert (folder / "collected.txt").exists()
    for episode in folder.glob("*.npz"):
        episode.unlink()
    import vjepa_ros.sim.manipulation as manipulation

    def by_hand(out, task, obj, episodes, seed, width, height):
        assert (width, height) == (64, 64)
        for i in range(episodes):
            (folder / f"grasp_cup_{seed + i:06d}.npz").write_bytes(b"64px")

    monkeypatch.setattr(manipulation, "collect_manipulation", by_hand)
    assert main(["collect", "--task", "grasp", "--object", "cup", "--episodes", "3", "--seed",
                 "0", "--width", "64", "--height", "64", "--out", str(folder)]) == 0
    assert not (folder / "collected.txt").exists()
    again = run_collect(tmp_path)
    assert again.returncode == 0, again.stderr
    assert "+ kept" not in again.stderr and len(calls(tmp_path)) == 2, again.stderr


def test_work_with_spaces_collects_records_and_keeps(tmp_path):
    """WORK="my work dir": 12 folders collected and recorded; a rerun keeps all 12."""
    done = run_script(tmp_path, "collect_manipulation_episodes.sh", WORK="my work dir",
                      fake_cli=COLLECTING_CLI)
    assert done.returncode == 0, done.stderr
    work = (tmp_path / "caller" / "my work dir").resolve()
    records = sorted(work.glob("*/*/collected.txt"))
    assert len(records) == 12, records
    lines = (work / "train" / "grasp_cup" / "collected.txt").read_text().splitlines()
    assert lines[0].endswith(": 60 episodes") and len(lines) == 61, lines[:3]
    again = run_script(tmp_path / "again", "collect_manipulation_episodes.sh", WORK=str(work),
                       fake_cli=COLLECTING_CLI)
    assert again.returncode == 0 and again.stderr.count("+ kept ") == 12, again.stderr
    assert "args=collect" not in again.stdout


def test_extra_files_are_kept_and_a_removed_episode_is_collected_again(tmp_path):
    """Notes, sub-goal images, a subfolder by a recorded folder: kept; one .npz gone: redone."""
    assert run_collect(tmp_path).returncode == 0
    folder = _folder(tmp_path)
    (folder / "notes.txt").write_text("mine")
    (folder / "grasp_cup_000000_subgoal0_lift.png").write_bytes(b"")
    (folder / "old").mkdir()
    (folder / "old" / "grasp_cup_000009.npz").write_bytes(b"")
    kept = run_collect(tmp_path)
    assert "+ kept" in kept.stderr and len(calls(tmp_path)) == 1, kept.stderr
    (folder / "grasp_cup_000001.npz").unlink()
    redone = run_collect(tmp_path)
    assert redone.returncode == 0 and len(calls(tmp_path)) == 2, redone.stderr
    assert sorted(p.name for p in folder.glob("*.npz")) == [
        f"grasp_cup_{i:06d}.npz" for i in range(3)]


def test_an_old_one_line_record_is_collected_again(tmp_path):
    """A complete folder whose record is the earlier one-line format: never kept as the new one."""
    assert run_collect(tmp_path).returncode == 0
    record = _folder(tmp_path) / "collected.txt"
    record.write_text(record.read_text().splitlines()[0] + "\n")
    again = run_collect(tmp_path)
    assert again.returncode == 0 and len(calls(tmp_path)) == 2, again.stderr
    assert len(record.read_text().splitlines()) == 4


def test_ctrl_c_mid_folder_stops_and_the_rerun_collects_it_again(tmp_path):
    """A collect killed by a signal after 1 of 3 episodes: status 143, no record; rerun redoes it.

    SIGTERM, not SIGINT: a job started in the background (nohup, a CI runner's) inherits SIGINT
    ignored, and a shell cannot un-ignore it, so ``kill -INT $$`` did nothing there.
    """
    killed = ('mkdir -p "$out"; touch "$out/grasp_cup_000000.npz"; kill -TERM $$; sleep 5\n')
    stopped = run_collect(tmp_path, killed,
                          "collect grasp cup 3 0 train\ncollect grasp box 3 0 train")
    assert stopped.returncode == 143 and len(calls(tmp_path)) == 1, stopped.stderr
    assert not (_folder(tmp_path) / "collected.txt").exists()
    assert "FAILED" not in stopped.stderr
    again = run_collect(tmp_path, WRITES_ALL)
    assert again.returncode == 0 and len(calls(tmp_path)) == 2, again.stderr
    assert (_folder(tmp_path) / "collected.txt").read_text().splitlines()[1:] == [
        f"grasp_cup_{i:06d}.npz" for i in range(3)]


def test_a_refusal_goes_on_and_is_named_at_the_end(tmp_path):
    """A collect that refuses (status 2): the next folder is collected, FAILED names it, exit 1."""
    body = ('[[ $out == */grasp_cup ]] && { echo "usage error" >&2; exit 2; }\n' + WRITES_ALL)
    done = run_collect(tmp_path, body, "collect grasp cup 3 0 train\ncollect grasp box 3 0 train")
    assert done.returncode == 1 and len(calls(tmp_path)) == 2, done.stderr
    assert "train/grasp_cup (collect status 2, 0 of 3 episodes)" in done.stderr
    assert (tmp_path / "work" / "train" / "grasp_box" / "collected.txt").exists()


def test_the_pack_script_packs_nothing_when_a_folder_failed(tmp_path):
    """pack_manipulation_episodes.sh over a failed collect: status 1, no pack, no reach collect."""
    checkout = make_checkout(tmp_path / "clone")
    for name in ("collect_manipulation_episodes.sh", "pack_manipulation_episodes.sh"):
        shutil.copy(REPO_ROOT / "scripts" / name, checkout / "scripts")
    venv = make_fake_venv(tmp_path / "venv")
    (venv / "bin" / "vjepa-ros").write_text(FAILING_CLI)
    (venv / "bin" / "vjepa-ros").chmod(0o755)
    caller = tmp_path / "caller"
    caller.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VJEPA_VENV": str(venv),
           "VJEPA_TORCH": "skip", "PYTHON": sys.executable, "WORK": "w"}
    done = subprocess.run(["bash", str(checkout / "scripts" / "pack_manipulation_episodes.sh")],
                          cwd=caller, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "FAILED" in done.stderr
    assert "/w/reach " not in done.stdout + " " and len(done.stdout.splitlines()) == 12
    assert not (checkout / ".device_data" / "manipulation.tar.xz").exists()
    assert not (caller / "w" / "reach").exists()


# -- END_NOT_COMPUTED (44ad834e): eval never sees it

def _recording():
    start = 10**9
    image_times = start + np.round(np.arange(0, 6.0, 1 / 6) * 1e9).astype(np.int64)
    state_s = np.arange(0, 5.0, 1 / 50)  # states end a second before the frames
    states = np.zeros((len(state_s), 7))
    states[:, 0] = 0.4 + 0.05 * state_s
    return types.SimpleNamespace(image_times=image_times, state_times=start + np.round(
        state_s * 1e9).astype(np.int64), states=states, state_jumps_ns=np.zeros((0, 2), np.int64),
        gripper_unknown_ns=np.zeros((0, 2), np.int64))  # Recording's field: no gripper silences


def test_evals_steps_never_say_not_computed():
    """Eval's valid_steps: ends computed; unmeasured steps only END_PAST (past the states)."""
    from vjepa_ros.eval.eval_config import EvalConfig
    from vjepa_ros.eval.step_choice import valid_steps
    from vjepa_ros.eval.step_notes import unmeasured_note, unmeasured_steps

    steps, every, chosen = valid_steps(_recording(), EvalConfig(), 1, 1)
    assert END_NOT_COMPUTED not in set(steps.end_problems)
    assert np.isfinite(steps.ends[steps.valid & (steps.end_problems == "")]).all()
    every_valid = [k for k in range(len(steps)) if steps.valid[k]]
    assert set(unmeasured_steps(steps, every_valid)) <= {END_PAST}
    assert "not computed" not in unmeasured_note(steps, every_valid, 0.1)


def test_steps_given_ends_say_past_only_where_an_end_is_nan():
    """A Steps built with ends: END_PAST on a valid step whose end is NaN, never not computed."""
    rec = _recording()
    trained = resample(rec.image_times, rec.state_times, rec.states, period_ends=False)
    assert set(trained.end_problems[trained.valid]) == {END_NOT_COMPUTED}
    ends = np.zeros_like(trained.states)
    ends[-1] = np.nan
    built = Steps(rate_hz=4.0, grid_times=trained.grid_times,
                  frame_indices=trained.frame_indices, frame_times=trained.frame_times,
                  states=trained.states, valid=np.ones(len(trained), bool), dropped={},
                  ends=ends)
    assert list(built.end_problems[:-1]) == [""] * (len(built) - 1)
    assert built.end_problems[-1] == END_PAST


# -- the simulated hand's move rule (0c8d4841)

@pytest.fixture
def runner():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim.config import CameraConfig, SceneConfig, SimConfig
    from vjepa_ros.sim.runner import RunnerConfig, SimRunner

    runner = SimRunner(SimConfig(scene=SceneConfig(num_objects=0),
                                 camera=CameraConfig(width=32, height=32)), RunnerConfig())
    yield runner
    runner.close()


def _closedness(sim) -> float:
    from vjepa_ros.sim.panda import finger_positions_to_closedness

    return finger_positions_to_closedness(*sim.finger_positions())


@pytest.mark.parametrize("width", [0.01, 0.05, 0.0799, 0.08])
def test_holds_at_rest_after_a_move_change_nothing(runner, width):
    """Closed, moved to ``width`` m (0.08: fully open), then a hold each tick: nothing changes."""
    sim = runner.sim
    runner.command_gripper(1.0)
    for _ in range(60):
        runner.tick()
    runner.command_gripper_goal(width / 2, 20.0)
    for _ in range(120):
        runner.tick()
    goal = sim.gripper_goal
    assert abs(float(sim.finger_positions().sum()) - width) < 1e-4 and not sim._move_running()
    width = float(sim.finger_positions().sum())
    for _ in range(120):
        runner.command_gripper(_closedness(sim))
        runner.tick()
    assert sim.gripper_goal == goal
    assert abs(float(sim.finger_positions().sum()) - width) < 2e-4


def test_a_hold_at_a_blocked_openings_width_keeps_the_hand_there_once_freed(runner):
    """An opening held at 0.04 m (fingers pinned), a hold there, then freed: it stays ~0.04 m."""
    sim = runner.sim
    p, robot, client = sim._p, sim.handles.robot, sim.client
    runner.command_gripper(1.0)
    for _ in range(60):
        runner.tick()
    runner.command_gripper(0.0)
    for _ in range(30):  # an obstacle: the fingers stopped at 0.02 m each
        runner.tick()
        for joint in sim.handles.finger_joints:
            now = p.getJointState(robot, joint, physicsClientId=client)[0]
            p.resetJointState(robot, joint, min(0.02, now), 0.0, physicsClientId=client)
    assert abs(float(sim.finger_positions().sum()) - 0.04) < 1e-3
    assert sim._move_running()  # its width not reached: the move runs
    runner.command_gripper(_closedness(sim))
    assert not sim.gripper_goal.grasp
    for _ in range(90):
        runner.tick()
    assert abs(float(sim.finger_positions().sum()) - 0.04) < 2e-3


def test_holds_while_a_finished_move_is_pushed_slowly_do_not_creep_the_goal(runner):
    """A finished move pushed slowly narrower at rest: the planner's holds must change nothing.

    Input: the hand moved to 0.06 m (reached, fingers at rest); an object then pushes both
    fingers in at 1.2 mm/s each (below STILL_SPEED: at rest) for 100 ticks (to ~0.056 m) while
    the measured closedness is re-sent each tick (the planner's hold). Happened: once the
    fingers are 0.1 mm off the goal, ``_move_running`` says the finished move runs, so each hold
    is a new move goal at the measured width and the goal follows the push (0.0560 m).
    Should: a width within 0.1 mm of the measured one changes nothing while the fingers rest
    (sim/gripper.py), the goal stays 0.06 m (franka_gripper's move ended when it reached it).
    Before 0c8d4841 the goal stayed (the fingers at rest); after the push the fingers' spring
    back re-aims it under both rules.
    """
    sim = runner.sim
    p, robot, client = sim._p, sim.handles.robot, sim.client
    runner.command_gripper(1.0)
    for _ in range(60):
        runner.tick()
    runner.command_gripper_goal(0.03, 20.0)
    for _ in range(120):
        runner.tick()
    goal = sim.gripper_goal
    assert abs(float(sim.finger_positions().sum()) - 0.06) < 1e-4 and not sim._move_running()
    finger = 0.03
    for _ in range(100):
        finger -= 2e-5
        for joint in sim.handles.finger_joints:
            p.resetJointState(robot, joint, finger, 0.0, physicsClientId=client)
        runner.command_gripper(_closedness(sim))
        runner.tick()
    assert float(sim.finger_positions().sum()) < 0.0575
    assert sim.gripper_goal == goal, f"the goal crept to {2 * sim.gripper_goal.position:.4f} m"
