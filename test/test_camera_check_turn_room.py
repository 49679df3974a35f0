"""The camera check's room for its held orientation: arrival's turn within one rotation step.

Each check move holds the start's orientation and is commanded once the arm has arrived, its
wrist up to ``control.arrival_tolerance_rad`` turned off the last target's. A tolerance over
``safety.max_rotation_step_rad`` lets the command turn back farther than one step: the safety
filter clips it and the check stops after its first move. As the linear room (distance_m plus
arrival_tolerance_m within max_step_m, fix49g), the check refuses such settings before anything
moves, at the service call and at the node's start-up (fix59t; remark on review59s).
"""

import numpy as np
import pytest
from test_robot_camera_check_live import NO_TRIAL, START, IdealArm

from vjepa_ros.robot.camera_check_limits import settings_problem, turn_room_problem
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.robot.safety import SafetyLimits, filter_target

pytestmark = pytest.mark.usefixtures("one_thread")

NARROW = SafetyLimits(max_rotation_step_rad=0.35)
SIX = CheckMotionConfig(distance_m=0.03, corners=False)


def test_a_wrist_turned_within_a_wide_tolerance_gets_its_held_orientation_clipped():
    """Why the rule: 0.4 rad off (within a 0.5 rad tolerance), the held orientation is clipped."""
    turned = START.copy()
    turned[3] -= 0.4  # roll 0.4 rad off the start's
    target = START.copy()
    target[0] += 0.03  # a check move: 3 cm along x, the start's orientation held
    decision = filter_target(turned, target, NARROW)
    assert decision.accepted and decision.clipped, decision
    assert any("rotation" in clip for clip in decision.clipped), decision.clipped


def test_the_turn_room_is_the_rotation_step_itself():
    assert turn_room_problem(0.35, NARROW) == ""  # "at most": equal fits
    assert turn_room_problem(0.091, SafetyLimits()) == ""  # the defaults fit
    said = turn_room_problem(0.5, NARROW)
    assert said == ("control.arrival_tolerance_rad (0.5 rad) must be at most "
                    "safety.max_rotation_step_rad (0.35 rad): each check move holds the start's "
                    "orientation, commanded from a wrist up to the arrival tolerance turned off "
                    "it; set control.arrival_tolerance_rad to at most 0.35 or "
                    "safety.max_rotation_step_rad to at least 0.5")
    assert settings_problem(SIX, NARROW, 0.01, None, 0.5) == said
    assert settings_problem(SIX, NARROW, 0.01, None) == ""  # the default 0.091 rad


def test_the_check_is_refused_before_anything_moves():
    """~/camera_check with arrival_tolerance_rad 0.5 over max_rotation_step_rad 0.35."""
    arm = IdealArm()
    arm.session.limits = arm.session.streamer.limits = NARROW
    arm.session.control.arrival_tolerance_rad = 0.5
    arm.session.set_enabled(True)
    with pytest.raises(ValueError, match=r"control\.arrival_tolerance_rad \(0\.5 rad\) must be "
                       r"at most safety\.max_rotation_step_rad \(0\.35 rad\)"):
        arm.session.start_camera_check(SIX, None, NO_TRIAL)
    for _ in range(20):
        arm.tick()
    assert np.array_equal(arm.state, START), "the arm moved"


def test_the_node_refuses_the_settings_at_start_up():
    with pytest.raises(ValueError, match=r"control\.arrival_tolerance_rad \(0\.5 rad\)"):
        PlannerNodeConfig(control=ControlConfig(arrival_tolerance_rad=0.5), safety=NARROW)
    PlannerNodeConfig(control=ControlConfig(arrival_tolerance_rad=0.35), safety=NARROW)
