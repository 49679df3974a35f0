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

import pytest

from vjepa_ros.sim.expert import ExpertConfig
from vjepa_ros.sim.manipulation import collect_manipulation


@pytest.mark.xfail(strict=True, reason="setup_task lets the clean expert's OutOfFrames escape: "
                   "collect_manipulation dies with an empty-message exception")
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
