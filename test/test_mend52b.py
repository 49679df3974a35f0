"""mend52b: the 70 N finger-force cap says why; one constant for the Franka Hand's forces.

Happened (session 51 review): ``controller.gripper_force must lie in (0, 70], got 80.0`` gave no
reason for 70 N, and 70/140 were written in three places. Should: the refusal names the Franka
Hand's continuous grasp force (the 140 N peak not modelled), from one constant.
"""

import pytest

from vjepa_ros.config import check_values
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.joint_states import FRANKA_HAND_MAX_FORCE, FRANKA_HAND_PEAK_FORCE
from vjepa_ros.sim.config import ControllerConfig, SimConfig
from vjepa_ros.sim.gripper import FRANKA_HAND_MAX_FORCE as SIM_CAP


def test_the_gripper_force_refusal_says_why_70_n():
    with pytest.raises(ValueError) as caught:
        SimConfig(controller=ControllerConfig(gripper_force=80.0)).check()
    assert str(caught.value) == (
        "controller.gripper_force must lie in (0, 70] N, got 80.0: 70 N is the Franka Hand's "
        "continuous grasp force (datasheet); its 140 N short peak is not modelled")
    SimConfig(controller=ControllerConfig(gripper_force=70.0)).check()  # the cap itself: fine
    with pytest.raises(ValueError) as caught:  # below the range: the cap's reason is no reason
        SimConfig(controller=ControllerConfig(gripper_force=0.0)).check()
    assert str(caught.value) == "controller.gripper_force must lie in (0, 70] N, got 0.0"


def test_the_max_effort_refusal_says_why_140_n():
    with pytest.raises(ValueError, match=r"control.gripper_max_effort must lie in \(0, 140\], "
                       r"got 150.0: 140 N is the Franka Hand's short peak grasp force"):
        check_values(ControlConfig(gripper_max_effort=150.0), "control.")


def test_one_constant_for_each_force():
    assert SIM_CAP is FRANKA_HAND_MAX_FORCE == 70.0 and FRANKA_HAND_PEAK_FORCE == 140.0
    import dataclasses

    ranges = {f.name: f.metadata["range"] for cls in (ControllerConfig, ControlConfig)
              for f in dataclasses.fields(cls) if f.name in ("gripper_force",
                                                             "gripper_max_effort")}
    assert ranges == {"gripper_force": (0, FRANKA_HAND_MAX_FORCE),
                      "gripper_max_effort": (0, FRANKA_HAND_PEAK_FORCE)}
