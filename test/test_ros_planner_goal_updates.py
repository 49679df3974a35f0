"""Over ROS: the goal parameters and the active goal agree, whichever way the goal was set.

Emptying the goal file parameter that set the active goal clears it (as ~/clear_goals does); it
once stayed, and ~/enable drove toward a goal no parameter showed. A goal from a service stays
when a file parameter is emptied (logged), and goal_steps / goal_gripper apply to its sub-goals
(they were once accepted and ignored). With goals.gripper hold a reach toward a goal the planner
would close the hand for sends no gripper command. ROS-free parts: test_goal_updates.py.
"""

import threading

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import test_ros_planner_goals  # noqa: E402
from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import SetParametersAtomically  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402
from test_ros_planner_goals import (  # noqa: E402
    fingers,
    hand_state,
    image,
    image_msg,
    set_goal,
    set_goal_param,
)

from vjepa_ros.images import save_image_file  # noqa: E402

oracle_harness = test_ros_planner_goals.oracle_harness  # the fixture: the node with the oracle
CLEARED = "is now empty, so the goal it set is cleared as ~/clear_goals does"


def goal_files(tmp_path, count):
    return [str(save_image_file(tmp_path / f"{i}.png", image(i))) for i in range(count)]


def sources(h):
    return None if h.session.goals is None else [g.source for g in h.session.goals.goals]


def test_emptying_the_goal_file_parameter_clears_the_goal_it_set(oracle_harness, tmp_path):
    _, make = oracle_harness
    h = make()
    files = goal_files(tmp_path, 2)
    assert set_goal_param(h, "goal_image_path", files[0]).successful
    assert sources(h) == files[:1]
    assert h.enable().success
    assert set_goal_param(h, "goal_image_path", "").successful
    assert sources(h) is None, "the goal no parameter shows would still be driven toward"
    # joint states keep coming: with none, a set-point tick after the state's age limit holds on
    # the stale state, which diagnostics then show in place of "no goal" (the cause of a failure
    # seen once under load 7-12, when /diagnostics came after that limit)
    cleared = h.pump(3.0, until=lambda: h.logs(f"goal_image_path {CLEARED}")
                     and h.got["diag"] and "no goal" in h.diagnostics()[1]["refusal"])
    assert cleared, (h.logs(f"goal_image_path {CLEARED}"),
                     h.diagnostics()[1].get("refusal") if h.got["diag"] else "no /diagnostics")
    assert h.logs("goals cleared (1 removed)")
    # sub-goal files with step counts, then the files emptied alone
    assert set_goal_param(h, "goal_image_paths", files).successful
    assert set_goal_param(h, "goal_steps", [2, 3]).successful and sources(h) == files
    assert set_goal_param(h, "goal_image_paths", []).successful and sources(h) is None
    assert h.pump(3.0, until=lambda: h.logs(f"goal_image_paths {CLEARED}"), joints=None)
    # both lists emptied with the files, in one call
    assert set_goal_param(h, "goal_image_paths", files).successful and sources(h) == files
    string_array = ParameterValue(type=ParameterType.PARAMETER_STRING_ARRAY)
    empty_ints = ParameterValue(type=ParameterType.PARAMETER_INTEGER_ARRAY)
    request = SetParametersAtomically.Request(parameters=[
        Parameter(name="goal_image_paths", value=string_array),
        Parameter(name="goal_steps", value=empty_ints)])
    answer = h.call(SetParametersAtomically, "/vjepa_planner/set_parameters_atomically", request)
    assert answer.result.successful, answer.result.reason
    assert sources(h) is None and h.planner.goal_values["goal_steps"] == []


def test_a_captured_goal_stays_when_a_file_parameter_is_emptied(oracle_harness):
    _, make = oracle_harness
    h = make()
    h.feed_frame(0.3, image_msg(1))  # with the robot state: a capture refuses without one
    assert h.capture().success and sources(h) == ["captured frame"]
    assert set_goal_param(h, "goal_image_path", "").successful
    assert sources(h) == ["captured frame"]
    assert h.pump(3.0, until=lambda: h.logs(
        "goal_image_path empty: the active goal (goal 1/1 (captured frame), step 0/∞) did not "
        "come from a goal file and stays; call ~/clear_goals to clear it"), joints=None)


def test_goal_steps_and_goal_gripper_apply_to_added_sub_goals(oracle_harness):
    _, make = oracle_harness
    h = make()
    assert set_goal_param(h, "goal_steps", [2, 2, 0]).successful  # no goal yet: said to wait
    assert h.pump(3.0, until=lambda: h.logs("goal_steps kept for goal files set later: there is "
                                            "no goal now; ~/capture_goal and ~/add_subgoal empty "
                                            "it, so set it after them"), joints=None)
    for seed in range(3):
        h.feed_frame(0.2, image_msg(seed))
        assert h.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request()).success
    assert h.session.goals.steps == [4, 10, 4]
    assert set_goal_param(h, "goal_steps", [2, 2, 0]).successful
    assert h.session.goals.steps == [2, 2, 0], "accepted and ignored"
    assert sources(h) == [f"added sub-goal {i + 1}" for i in range(3)]
    assert h.pump(3.0, until=lambda: h.logs("goal_steps [2, 2, 0] applied to the active goal's "
                                            "3 sub-goal(s)"), joints=None)
    refused = set_goal_param(h, "goal_steps", [2, 2])
    assert not refused.successful and refused.reason.startswith(
        "goal_steps has 2 entries but the active goal has 3 sub-goal(s)"), refused.reason
    assert h.session.goals.steps == [2, 2, 0]
    assert set_goal_param(h, "goal_gripper", [0.0, 1.0, 0.0]).successful
    assert [g.gripper for g in h.session.goals.goals] == [0.0, 1.0, 0.0]
    assert set_goal_param(h, "goal_steps", []).successful
    assert h.session.goals.steps == [4, 10, 4]


def test_gripper_hold_reaches_without_a_gripper_command(oracle_harness):
    oracle, make = oracle_harness
    oracle.remember(image(1), hand_state(0.0))
    oracle.remember(image(2), hand_state(1.0) + [0.05, 0, 0, 0, 0, 0, 0])  # planned: closes
    h = make(**{"goals.gripper": "hold"})
    fingers(h, 0.0)
    set_goal(h, 2)
    assert h.enable().success
    frames = {"image": image_msg(1), "joints": None}
    assert h.pump(10.0, until=lambda: len(h.got["pose"]) >= 5 and h.got["diag"], **frames)
    assert h.diagnostics()[1]["gripper_source"] == "hold"
    assert [m.data[6] for m in h.got["action"]] == [0.0] * len(h.got["action"])
    assert not h.got["gripper"], "the gripper was commanded"


def test_the_node_decodes_each_goal_file_once_and_keeps_none_after(oracle_harness, tmp_path,
                                                                   monkeypatch):
    """A goal file set at run time: its header checked by the set, decoded once off the executor.

    Set while the counts disagree, the files are not decoded (headers only, nothing kept);
    once the counts agree each is decoded once, on the node's goal decoder thread (fix59a),
    never the executor's (the one the test spins): nothing kept after (fix47b).
    """
    from vjepa_ros.robot import goal_files as goal_file_checks

    _, make = oracle_harness
    h = make()
    files, reads = goal_files(tmp_path, 2), []
    load = goal_file_checks.load_image_file
    monkeypatch.setattr(goal_file_checks, "load_image_file", lambda path: reads.append(
        (path, threading.current_thread().name)) or load(path))
    assert set_goal_param(h, "goal_steps", [2, 3, 4]).successful
    assert set_goal_param(h, "goal_image_paths", files).successful and sources(h) is None
    assert reads == [] and len(h.planner.checked_goal_images) == 0  # waiting for goal_steps
    assert set_goal_param(h, "goal_steps", [2, 3]).successful and sources(h) == files
    assert reads == [(path, "goal decoder") for path in files], reads
    assert len(h.planner.checked_goal_images) == 0
