"""The Franka Hand's figures (datasheet) and its finger joints <-> gripper closedness.

Gripper mapping (Franka Hand, as ``franka_gripper`` reports it): each finger joint is the
distance [m] of one finger from the centre, 0..0.04 m; closedness = 1 − (finger1 + finger2) /
max_width clipped to [0, 1] (0 open, 1 closed), max_width 0.08 m.

The one mapping of the joint states' reader (``robot.joint_states``), the simulator and the
gripper command.
"""

from __future__ import annotations

import numpy as np

FRANKA_HAND_MAX_WIDTH = 0.08  # m: the Franka Hand's full opening
# The Franka Hand's grasp force (datasheet): 70 N continuously, 140 N as a short peak
FRANKA_HAND_MAX_FORCE = 70.0  # N: continuous; the simulator's cap (sim.gripper)
FRANKA_HAND_PEAK_FORCE = 140.0  # N: a short peak; control.gripper_max_effort's cap
# Why a force above the continuous one is refused (the range refusal's reason, config.check_range)
CONTINUOUS_FORCE_WHY = (f"{FRANKA_HAND_MAX_FORCE:g} N is the Franka Hand's continuous grasp "
                        f"force (datasheet); its {FRANKA_HAND_PEAK_FORCE:g} N short peak is not "
                        "modelled")
# Why a force above the peak is refused (control.gripper_max_effort's range refusal)
PEAK_FORCE_WHY = (f"{FRANKA_HAND_PEAK_FORCE:g} N is the Franka Hand's short peak grasp force "
                  "(datasheet)")


def closedness_from_fingers(fingers, max_width: float = FRANKA_HAND_MAX_WIDTH) -> np.ndarray:
    """Gripper closedness in [0, 1] (float64 [...]) of finger joint positions [..., 2] in m."""
    width = np.asarray(fingers, dtype=np.float64).sum(axis=-1)
    return np.clip(1.0 - width / max_width, 0.0, 1.0)


def finger_position(closedness: float, max_width: float = FRANKA_HAND_MAX_WIDTH) -> float:
    """Per-finger joint position [m] of a closedness in [0, 1] (inverse of the mapping)."""
    return (1.0 - float(np.clip(closedness, 0.0, 1.0))) * max_width / 2
