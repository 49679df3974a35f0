"""fix61misc #1: ``vjepa-ros launch --node sim`` compares the arm for the state source in force.

The simulator is a Franka Panda (pybullet's ``panda.urdf``: ``panda_joint1..7``,
``panda_finger_joint1/2``, ``panda_link0``). A planner started beside it as an FR3
(``robot.model: fr3``) or on another arm's joint prefix was started silently (an FR3 takes the
FR3's jerk limits; with ``robot.state_source: pose`` it expects ``current_pose`` in
``fr3_link0`` and refuses every pose; a prefix ``fr3_`` reads none of the simulator's joints,
and the launch advised moving the simulator's base frame instead). With ``state_source: pose``
the planner reads ``current_pose`` at the simulator's own TCP: its ``tcp_xyz`` / ``tcp_rpy`` /
``flange_offset`` are never used, yet they were refused.
"""

from pathlib import Path

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.node_launch import NodeLaunch
from vjepa_ros.sim.same_robot import check_sim_robot

DEMO_MODEL = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / "demo_world_model.pt"
POSE = {"robot.state_source": "pose"}


def _check(planner: dict, sim: dict | None = None) -> str:
    """Return the launch's refusal of this planner beside the simulator ("" when it passes)."""
    try:
        check_sim_robot([NodeLaunch("planner", parameters=dict(planner)),
                         NodeLaunch("sim", parameters=sim or {})])
    except UsageError as refused:
        return str(refused)
    return ""


@pytest.mark.parametrize("source", [{}, POSE])
def test_a_planner_on_an_fr3_beside_the_simulated_panda_is_refused(source):
    line = _check({**source, "robot.model": "fr3"})
    assert line.startswith("planner.robot.model fr3 (-p planner.robot.model) beside --node sim"), \
        line
    assert "-p planner.robot.model:=panda" in line and "\n" not in line, line
    if source:  # what goes wrong is said for the state source in force
        assert "current_pose in fr3_link0" in line, line
    else:
        assert "jerk limits" in line, line


@pytest.mark.parametrize("source", [{}, POSE])
def test_a_joint_prefix_the_simulator_does_not_publish_names_the_prefix(source):
    line = _check({**source, "robot.joint_prefix": "fr3_"})
    # the prefix is the value to fix, not the simulator's base frame (the old advice)
    assert line.startswith("planner.robot.joint_prefix 'fr3_'"), line
    assert "-p planner.robot.joint_prefix:=panda_" in line, line
    assert "sim.base_frame:=" not in line, line


@pytest.mark.parametrize("planner", [{"robot.model": "panda"}, {"robot.joint_prefix": "panda_"},
                                     {"robot.joint_prefix": ""},
                                     {**POSE, "robot.joint_prefix": "panda_"}])
def test_the_simulators_own_arm_passes(planner):
    assert _check(planner) == ""


@pytest.mark.parametrize("planner", [
    {"robot.tcp_xyz": [0.0, 0.0, 0.2]},
    {"robot.tcp_rpy": [0.0, 0.0, 0.0]},
    {"robot.flange_offset": 0.2},
])
def test_forward_kinematics_values_count_with_joint_states_only(planner):
    assert _check(planner), "joint_states: the TCP and flange place every state and target"
    # pose: the planner reads current_pose at the simulator's TCP and commands that point
    assert _check({**POSE, **planner}) == ""
    assert _check({**POSE, **planner}, {"controller.tcp_offset": 0.2}) == ""


def test_with_pose_the_hand_and_the_base_frame_still_count():
    line = _check({**POSE, "robot.gripper_max_width": 0.07})
    assert line.startswith("planner.robot.gripper_max_width 0.07"), line
    line = _check({**POSE, "robot.base_frame": "world"})
    assert "planner.robot.base_frame 'world'" in line and "sim.base_frame 'panda_link0'" in line, \
        line


def test_the_launch_command_refuses_an_fr3_in_one_line(monkeypatch, capsys):
    """``vjepa-ros launch --checkpoint demo --node sim -p planner.robot.model:=fr3``.

    What the user types: refused before any node starts, status 2, in one line.
    """
    from vjepa_ros.cli import main
    from vjepa_ros.nodes import launcher

    def not_started(nodes, **kwargs):
        raise AssertionError("nodes started")

    monkeypatch.setattr(launcher, "Launch", not_started)
    try:
        status = main(["launch", "--checkpoint", str(DEMO_MODEL), "--node", "sim", "-p",
                       "planner.robot.model:=fr3"])
    except SystemExit as ended:
        status = ended.code
    err = capsys.readouterr().err
    assert status == 2, (status, err)
    assert "planner.robot.model fr3" in err and "Traceback" not in err, err
