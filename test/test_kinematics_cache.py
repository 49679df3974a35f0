"""The joint-state hot path's pose cache (kinematics.py ``FrankaKinematics.ee_pose``): perf58.

An arm holding still publishes the same joint values at up to 1 kHz; ``ee_pose`` of one
configuration with the same bits as the last one's gives that pose again without forward
kinematics or scipy. Checked: the same bits as a fresh computation, whatever came between
(batches, other configurations, NaN, -0.0 against 0.0, a caller writing into a result), and
the cache used (scipy's ``from_matrix`` not called for a repeat). ROS-free, CPU.
"""

import numpy as np
import pytest

from vjepa_ros.robot import kinematics as kinematics_module
from vjepa_ros.robot.kinematics import FrankaKinematics, RobotConfig, StateError

HOME = np.array([0.0, -0.7853981633974483, 0.0, -2.356194490192345, 0.0, 1.5707963267948966,
                 0.7853981633974483])


def fresh(config, joints) -> np.ndarray:
    """Return the pose [6] a new FrankaKinematics (no cache yet) computes for ``joints``."""
    return FrankaKinematics(config).ee_pose(joints)


@pytest.mark.parametrize("config", [RobotConfig(), RobotConfig(model="fr3", tcp_xyz=[0, 0, 0.2])])
def test_a_repeat_gives_the_same_bits_whatever_came_between(config):
    """Input: HOME, its repeat (a list, a float32-exact copy), a nudge, -0.0, a batch, NaN.

    Should: each pose the bits of a fresh computation; a result written into by its caller does
    not change the next repeat; NaN still raises StateError after a cached pose.
    """
    kinematics = FrankaKinematics(config)
    rng = np.random.default_rng(0)
    nudged = HOME.copy()
    nudged[3] = np.nextafter(nudged[3], 0.0)  # one ulp: another configuration
    signed = HOME.copy()
    signed[0] = -0.0  # the same angle, other bits: computed again (the same pose)
    sequence = [HOME, list(HOME), HOME, nudged, HOME, signed, signed,
                rng.uniform(-1, 1, (3, 7)), HOME] + [rng.uniform(-1, 1, 7)] * 2
    for joints in sequence:
        pose = kinematics.ee_pose(joints)
        assert pose.view(np.uint64).tolist() == fresh(config, joints).view(np.uint64).tolist()
        pose[:] = 99.0  # a caller's edit must not reach the cache
    with pytest.raises(StateError, match="NaN or inf"):
        kinematics.ee_pose(np.r_[HOME[:6], np.nan])
    assert np.array_equal(kinematics.state(HOME, 0.5), np.r_[fresh(config, HOME), 0.5])


def test_a_repeat_skips_the_kinematics(monkeypatch):
    """Input: the same joints 5 times, then new ones. Should: scipy's from_matrix called twice."""
    kinematics = FrankaKinematics(RobotConfig())
    calls = []
    rotation = kinematics_module._rotation()

    class Counted:
        @staticmethod
        def from_matrix(matrix):
            calls.append(1)
            return rotation.from_matrix(matrix)

    monkeypatch.setattr(kinematics_module, "_rotation", lambda: Counted)
    for _ in range(5):
        kinematics.ee_pose(HOME)
    kinematics.ee_pose(HOME + 0.01)
    assert len(calls) == 2
