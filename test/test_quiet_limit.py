"""fix57d: the simulated episode's "nothing commanded" limit allows a working session's waits.

``sim/quiet_limit.py``: the set-point's travel of the longest step, the session's own arrival
timeout after it, two plans; ``sim.reach.run_reach_episode`` ends on it. A fixed
``arrival_timeout_s`` + 5 s ended a working episode at a slow ``safety.max_speed_m_s`` (the
step still travelling) and after one discarded ViT-g plan (``--planning-s 16``).
"""

import pytest

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.safety import SafetyLimits
from vjepa_ros.sim.quiet_limit import SLACK_S, quiet_limit_s, travel_s


def test_the_limit_covers_travel_timeout_and_two_plans():
    control, limits = ControlConfig(), SafetyLimits()
    free = quiet_limit_s(control, limits, 0.0)
    assert free == pytest.approx(travel_s(limits) + control.arrival_timeout_s +
                                 control.settle_s + SLACK_S)
    assert quiet_limit_s(control, limits, 16.0) - free == pytest.approx(32.0)
    slow = SafetyLimits(max_speed_m_s=0.004)
    assert travel_s(slow) >= slow.max_step_m / slow.max_speed_m_s  # 25 s at 0.004 m/s
    turning = SafetyLimits(max_angular_speed_rad_s=0.02)
    assert travel_s(turning) >= turning.max_rotation_step_rad / 0.02  # 17.5 s
    assert quiet_limit_s(ControlConfig(arrival_timeout_s=30.0), limits, 0.0) - free == \
        pytest.approx(20.0)


@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_a_slow_episode_is_not_ended_while_its_set_point_travels(mode):
    """``safety.max_speed_m_s`` 0.004: a step travels ~19 s; before fix57d "nothing commanded"."""
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from test_reach_loop import CEM, SEED, SMALL

    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import make_reach_goal, reach_sim_config, run_reach_episode
    from vjepa_ros.sim.reach_config import ReachConfig

    with Sim(reach_sim_config(SEED, SMALL)) as sim:
        oracle = OracleWorldModel().attach(sim)
        goal = make_reach_goal(sim, SEED)
        episode = run_reach_episode(sim, oracle, goal, CEM, ReachConfig(max_steps=2),
                                    control=ControlConfig(mode=mode), random_actions=True,
                                    limits=SafetyLimits(max_speed_m_s=0.004))
    assert len(episode.steps) == 2


def test_the_readme_states_the_bound_and_its_default():
    """The README's give-up bound for simulated episodes names its terms and its default value."""
    import pathlib
    import re

    readme = " ".join((pathlib.Path(__file__).parents[1] / "README.md").read_text().split())
    found = re.search(r"\(([\d.]+) s at the node's defaults with free planning: ([\d.]+) \+ "
                      r"([\d.]+) \+ ([\d.]+) \+ 0 \+ ([\d.]+);", readme)
    assert found, "README: the give-up bound's default is not stated"
    control, limits = ControlConfig(), SafetyLimits()
    total, travel, arrival, settle, slack = (float(value) for value in found.groups())
    assert total == pytest.approx(quiet_limit_s(control, limits, 0.0), abs=0.05)
    assert (travel, arrival, settle, slack) == pytest.approx(
        (travel_s(limits), control.arrival_timeout_s, control.settle_s, SLACK_S), abs=0.05)
    assert "`control.arrival_timeout_s` + `control.settle_s` + 2 plans" in readme
