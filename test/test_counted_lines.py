"""Counts in printed lines agree with their nouns: "1 step", never "1 steps".

``vjepa-ros reach --max-steps 1`` printed "within 5 cm or 1 steps" and "step limit (1 steps)",
``vjepa-ros collect --task grasp --episodes 1`` "1 episodes: all successes".
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from vjepa_ros.counts import counted


@pytest.mark.parametrize("number, words", [(0, "0 steps"), (1, "1 step"), (2, "2 steps")])
def test_counted(number, words):
    assert counted(number, "step") == words
    assert counted(number, "success", "successes").endswith("success" if number == 1 else
                                                            "successes")


@pytest.mark.parametrize("count, success, outcome", [
    (1, False, "not reached: step limit (1 step), success radius 5 cm"),
    (3, False, "not reached: step limit (3 steps), success radius 5 cm"),
    (1, True, "reached: within 5 cm of the goal after 1 step"),
])
def test_the_reach_summary_counts_its_steps(count, success, outcome):
    from vjepa_ros.sim.reach import ReachEpisode
    from vjepa_ros.sim.reach_text import format_summary

    frame = np.zeros((4, 4, 3), np.uint8)
    episode = ReachEpisode(frame, np.zeros(7), 0.1, [SimpleNamespace(planning_s=0.5)] * count,
                           0.08, frame, success, "reached" if success else "step limit", 0.05)
    assert format_summary(episode).splitlines()[0] == outcome


@pytest.mark.parametrize("steps, end", [(1, "within 5 cm or 1 step"),
                                        (20, "within 5 cm or 20 steps")])
def test_the_reach_demo_enabled_line_counts_its_steps(steps, end):
    from vjepa_ros.nodes.reach_client import enabled_line

    assert enabled_line("vjepa_planner", 0.05, steps) == (
        f"enabled      /vjepa_planner/enable: blocking MPC until {end}")
