"""The stale-input line names a clock-source mismatch, not a slow simulator (fix61u #5, mend62b).

``vjepa-ros planner param set use_sim_time false`` beside the simulator (which stamps on its
``/clock``): the planner's clock is then the wall clock, ~1.8e9 s ahead of every stamp. The
refusal said the inputs were stamped on "another clock (sim time vs wall time)" and its note
blamed the simulator ("a simulator runs: slower than real time?"). Now it says which side runs
on simulated time and what to set, and no lag note follows. The planner (tiny model) and the
simulator run in this process (``test_planner_cli``'s rig, both on ``/clock``).
"""

from test_planner_cli import ros  # noqa: F401 (the planner and simulator rig)
from test_robot_planning_worker import wait_for as wait_until


def _said(planner) -> str:
    status = planner.session.status()
    return f"{status['message']} | {status['values'].get('blocking', '')}"


def test_a_planner_switched_to_the_wall_clock_is_told_the_clock_sources(ros):  # noqa: F811
    from rclpy.parameter import Parameter

    planner, _ = ros
    wanted = ("stamped on simulated time", "set use_sim_time true on this node")
    try:
        (result,) = planner.set_parameters([Parameter("use_sim_time", value=False)])
        assert result.successful, result.reason
        assert wait_until(lambda: all(w in _said(planner) for w in wanted), 60.0), \
            _said(planner)
        said = _said(planner)
        assert "this node runs on the wall clock (use_sim_time false)" in said, said
        assert "slower than real time" not in said, said  # the simulator is not slow
        assert "rather than raising" not in said, said  # no lag note after the clock line
    finally:
        planner.set_parameters([Parameter("use_sim_time", value=True)])
    assert wait_until(lambda: "stamped on simulated time" not in _said(planner), 60.0), \
        _said(planner)
