"""breaker44a: does the training data say what happened? (attacked at main 70618a4).

Attacked: vjepa_ros/sim/expert.py (Expert._period: frame, measured state, gripper command per
period), sim/manipulation.py (setup_task, record_expert_episode, collect_manipulation,
collect_summary), sim/collector.py (collect_episode, bounded_step), sim/randomize.py,
recordings/episode.py (Episode.from_states), benchmarks' held-out seeds (900000..) against
scripts/collect_manipulation_episodes.sh's seeds (0..6079).

Held up (pybullet DIRECT, 32x32, grasp cup seeds 0/1): recorded actions equal
planning.pose.state_difference of consecutive recorded states (max err 3e-8, float32 states);
states are the measured TCP at the rendered frame (same call site, before the period's command);
gripper is the measured closedness (0 open, 1 shut on nothing, 0.24 holding the cup); frames,
states, timestamps the same length, times 0.25 s apart; the same seed gives bit-identical states
and frames in a fresh Sim and in a Sim that ran another episode first; benchmark seeds are
disjoint from the collection script's.

Defect: collect_manipulation with an ExpertConfig whose max_frames the clean sub-goal run
exceeds dies with a bare ``OutOfFrames`` (empty message) from setup_task (its ``_run`` inside
``sim.preserved()`` does not catch it), instead of keeping the episode labelled as a failure
(ran_out) as the module/collect_summary docs say, or a one-line error naming max_frames.
"""

from __future__ import annotations

import numpy as np
import pytest

from vjepa_ros.sim.expert import ExpertConfig
from vjepa_ros.sim.manipulation import collect_manipulation


def test_short_max_frames_collection_is_kept_or_refused_in_one_line(tmp_path):
    """A lab that wants short 3 s clips sets ExpertConfig(max_frames=12) (>= min_frames 8).

    ``max_frames`` says "the episode ends after this many frames whatever happened", and a failed
    episode is kept with metadata success false. Now the clean sub-goal run of setup_task hits the
    limit and raises ``OutOfFrames`` with no message, aborting the whole collection. It should
    either record the episode (ran_out, success false) or refuse with a one-line error naming
    ``max_frames``.
    """
    lines = []
    try:
        paths = collect_manipulation(tmp_path, "pick-and-place", "cup", 1, seed=0, width=32,
                                     height=32, expert=ExpertConfig(max_frames=12),
                                     log=lines.append)
    except (ValueError, RuntimeError) as exc:
        assert "max_frames" in str(exc), str(exc)
    else:
        assert len(paths) == 1 and paths[0].exists()


def test_a_seed_without_sub_goal_images_is_skipped_in_one_line_and_counted(tmp_path, monkeypatch):
    """The kind: any failure of one seed's clean sub-goal run skips that seed, not the night.

    Seed 1 of three has its clean expert miss a sub-goal (setup_task's RuntimeError); seeds 0
    and 2 are recorded, seed 1 gets one line naming it and why, and the summary counts it.
    """
    from vjepa_ros.sim import manipulation

    real = manipulation.setup_task

    def missing_on_seed_1(sim, seed, task, **kwargs):
        if seed == 1:
            raise RuntimeError("seed 1: the clean expert reached 0 of the 1 sub-goals of grasp "
                               "(grasp)")
        return real(sim, seed, task, **kwargs)

    monkeypatch.setattr(manipulation, "setup_task", missing_on_seed_1)
    lines = []
    paths = collect_manipulation(tmp_path, "grasp", "cup", 3, seed=0, width=32, height=32,
                                 log=lines.append)
    assert [p.name for p in paths] == ["grasp_cup_000000.npz", "grasp_cup_000002.npz"]
    skipped = [line for line in lines if line.startswith("seed ")]
    assert skipped == ["seed 1: SKIPPED, no episode written (the clean expert reached 0 of the 1 "
                       "sub-goals of grasp (grasp))"], lines
    summary = lines[-1]
    assert summary.startswith("2 episodes: ") and "; 1 seed SKIPPED (seed 1: " in summary, lines
    assert not list(tmp_path.glob("*000001*")), "nothing of the skipped seed written"


def test_out_of_frames_says_max_frames():
    """OutOfFrames carries a message: how many frames, the setting, the phase it stopped in."""
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.expert import Expert, OutOfFrames
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task

    with Sim(manipulation_sim_config(0, "cup", 32, 32)) as sim:
        setup_task(sim, 0, "grasp", subgoal_images=False)
        expert = Expert(sim, ExpertConfig(max_frames=2, min_frames=2), np.random.default_rng(0))
        with pytest.raises(OutOfFrames, match=r"^the expert used up its 2 frames "
                                              r"\(ExpertConfig.max_frames\) in phase 'hold'$"):
            expert.hold(3, "hold")
