"""What the planner says of commanding and goals (user33's frictions).

Disabling is logged as enabling is; an enabled session that never had an input is ``holding``
in diagnostics, not ``idle``; a refused ``~/goal_image`` says the previous goal goes on.
"""

import types

import numpy as np
import pytest
from test_robot_mpc import enabled_session, make_session, model, observe  # noqa: F401


def test_disabling_is_logged_as_enabling_is(model):  # noqa: F811
    session, _, logs = enabled_session(model)
    assert ("info", "enabled: commands go to the arm") in logs
    session.set_enabled(False)
    assert logs[-1] == ("info", "disabled: shadow mode (planning, no commands)")
    count = len(logs)
    assert session.set_enabled(False) == (True, "already disabled")
    assert len(logs) == count, "a second disable changes nothing: no line"


def test_enabled_before_any_input_is_holding_then_idle(model):  # noqa: F811
    session, clock, _ = make_session(model)
    assert session.status()["values"]["state"] == "shadow"
    session.set_enabled(True)
    assert session.status()["values"]["state"] == "holding"
    session.observe_image(np.zeros((64, 64, 3), np.uint8), clock.now)
    assert session.status()["values"]["state"] == "holding", "no robot state yet"
    observe(session, clock)
    assert session.status()["values"]["state"] == "idle"


@pytest.mark.parametrize("goal, enabled, kept", [
    ("", True, "no goal is set"),
    ("1 goal", False, "the previous goal stays (1 goal)"),
    ("1 goal", True, "the arm still pursues the previous goal (1 goal); ~/enable false or "
     "~/clear_goals stops it"),
])
def test_a_refused_goal_image_says_what_goal_goes_on(goal, enabled, kept):
    pytest.importorskip("sensor_msgs", reason="rclpy is installed by scripts/bootstrap.sh")
    from goal_image_files import InlineDecoder
    from sensor_msgs.msg import Image

    from vjepa_ros.nodes.goal_images import message_key
    from vjepa_ros.nodes.planner_goal_images import PlannerGoalImages

    errors = []
    node = types.SimpleNamespace(
        session=types.SimpleNamespace(snapshot=lambda: types.SimpleNamespace(
            goal=goal, enabled=enabled), set_goals=lambda goals: pytest.fail("goal set")),
        goal_image_topic="/vjepa_planner/goal_image",
        get_logger=lambda: types.SimpleNamespace(error=errors.append),
        worker=types.SimpleNamespace(wake=lambda: None))
    node._goal_kept = lambda: PlannerGoalImages._goal_kept(node)
    node.goal_topic = lambda msg: PlannerGoalImages.goal_topic(node, msg)  # (by its type: fix58a)
    node.goal_decoder = InlineDecoder(node)  # decoded off the executor thread by the node
    msg = Image(height=1, width=1, encoding="rgb8", step=3, data=bytes(3))
    # keyed as the node keys it
    PlannerGoalImages._take_goal_image(node, msg, key=message_key(msg, None))
    (line,) = errors
    assert line.startswith("ignoring goal image on /vjepa_planner/goal_image: the image is "
                           "1x1 px") and line.endswith(f"; {kept}"), line
