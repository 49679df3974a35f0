"""``sim/same_robot.py``: a simulator and a planner on different robots are refused (no ROS).

``vjepa-ros launch --node sim`` checks the start-up values ``NodeLaunch`` holds, before any node.

The TCP written rounded (0.1 mm, 0.01 deg: four decimals, another rpy of the same rotation, a
rounded ``tcp_offset``, flange and hand width) is the simulator's; beyond it the one-line refusal
says a gap that reads non-zero and names the source of each differing value, none for an
agreeing one (fix60z; review60c #1 and #2, whose user stories the last two tests keep).
"""

import math

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.node_launch import NodeLaunch
from vjepa_ros.sim.same_robot import check_sim_robot

QUARTER = -math.pi / 4  # franka_description's Franka Hand TCP yaw [rad]


def _pair(planner: dict, sim: dict | None = None) -> list[NodeLaunch]:
    """Return the planner and simulator of ``vjepa-ros launch --node sim`` (``-p`` items)."""
    return [NodeLaunch("planner", parameters=dict(planner)),
            NodeLaunch("sim", parameters=sim or {})]


def _refusal(planner: dict, sim: dict | None = None) -> str:
    with pytest.raises(UsageError) as refused:
        check_sim_robot(_pair(planner, sim))
    return str(refused.value)


@pytest.mark.parametrize("planner, sim", [
    ({"robot.tcp_rpy": [0.0, 0.0, -0.7854]}, None),  # 4 decimals
    ({"robot.tcp_rpy": [0.00005, -0.00005, -0.78535]}, None),  # every angle rounded, 0.0043 deg
    ({"robot.tcp_rpy": [math.pi, math.pi, 3 * math.pi / 4]}, None),  # the same rotation
    ({"robot.tcp_xyz": [0.00005, -0.00005, 0.10345]}, None),  # 4 decimals of a metre: 0.087 mm
    ({"robot.tcp_xyz": [0.0, 0.0, 0.2]}, {"controller.tcp_offset": 0.20004}),
    ({"robot.flange_offset": 0.10704, "robot.gripper_max_width": 0.07996}, None),
])
def test_values_written_rounded_are_the_simulators(planner, sim):
    check_sim_robot(_pair(planner, sim))  # no UsageError


@pytest.mark.parametrize("planner, gap", [
    ({"robot.tcp_rpy": [0.0, 0.0, QUARTER + math.radians(0.02)]}, "(0.02 deg apart)"),
    ({"robot.tcp_rpy": [math.radians(0.5), 0.0, QUARTER]}, "(0.5 deg apart)"),
    ({"robot.tcp_xyz": [0.0002, 0.0, 0.1034]}, "(0.02 cm apart)"),
    ({"robot.tcp_xyz": [0.05, 0.0, 0.1034]}, "(5.0 cm apart)"),
])
def test_beyond_rounding_refused_with_a_gap_that_is_not_zero(planner, gap):
    line = _refusal(planner)
    assert gap in line, line
    assert "\n" not in line


def test_each_differing_value_names_its_own_source():
    both = _refusal({"robot.tcp_xyz": [0.05, 0.0, 0.1034], "robot.tcp_rpy": [0.0, 0.0, 0.0]})
    head = both.partition(" are different end-effector frames")[0]
    assert "tcp_xyz [0.05, 0, 0.1034] (-p planner.robot.tcp_xyz)" in head, both
    assert "tcp_rpy [0, 0, 0] (-p planner.robot.tcp_rpy)" in head, both
    assert "(5.0 cm and 45.0 deg apart)" in both, both
    # only the position differs: its source named, the agreeing rotation's not claimed
    moved = _refusal({"robot.tcp_xyz": [0.0, 0.0, 0.2]})
    head = moved.partition(" are different end-effector frames")[0]
    assert "tcp_xyz [0, 0, 0.2] (-p planner.robot.tcp_xyz)" in head, moved
    assert "/ tcp_rpy [0, 0, -0.785398] and sim.controller.tcp_offset 0.1034 (the packaged " \
        "default config/sim.yaml)" in head, moved
    assert "-p sim.controller.tcp_offset:=0.2 for the planner's" in moved, moved
    # only the rotation, beside the packaged tcp_xyz: the -p named, not the packaged file
    turned = _refusal({"robot.tcp_rpy": [0.0, 0.0, 0.0]})
    head = turned.partition(" are different end-effector frames")[0]
    assert "tcp_rpy [0, 0, 0] (-p planner.robot.tcp_rpy)" in head, turned
    assert "config/planner.yaml" not in head, turned


def test_a_tcp_rpy_rounded_as_files_write_it_is_the_simulators_tcp():
    """A lab's planner file gives the Franka Hand's TCP rotation to four decimals.

    The user runs ``vjepa-ros launch --checkpoint ... --node sim -p
    planner.robot.tcp_rpy:=[0.0, 0.0, -0.7854]`` (franka_description's -pi/4 as most files
    write it: 1.8e-5 rad, 0.001 deg from it; the TCP point does not move at all). What happens:
    refused (exit 2), "different end-effector frames (0.0 deg apart) ... every command lands
    elsewhere than planned". What should happen: the simulator and planner start, as they do
    for -0.785398 (six decimals), which the same check calls "a file's rounding".
    """
    check_sim_robot(_pair({"robot.tcp_rpy": [0.0, 0.0, -0.7854]}))


def test_the_tcp_refusal_names_where_the_rotation_came_from():
    """The user gives only the rotation: ``-p planner.robot.tcp_rpy:=[0.0, 0.0, 0.0]``.

    What happens: the one-line refusal says "tcp_xyz [0, 0, 0.1034] / tcp_rpy [0, 0, 0] (the
    packaged default config/planner.yaml)": the value the user typed is said to come from the
    packaged file, and "-p planner.robot.tcp_rpy" appears only in the advice. What should
    happen: the line names the source of the value that differs, ``-p planner.robot.tcp_rpy``,
    as it names every other refused value's (flange_offset, gripper_max_width, base_frame).
    """
    with pytest.raises(UsageError) as refused:
        check_sim_robot(_pair({"robot.tcp_rpy": [0.0, 0.0, 0.0]}))
    line = str(refused.value)
    assert "(45.0 deg apart)" in line, line  # refused, as it should be
    head = line.partition(" are different end-effector frames")[0]
    assert "-p planner.robot.tcp_rpy" in head, line
