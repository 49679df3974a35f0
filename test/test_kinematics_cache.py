"""The joint-state hot path's pose (kinematics.py ``FrankaKinematics.ee_pose``): perf58, perf59.

An arm holding still publishes the same joint values at up to 1 kHz; ``ee_pose`` of one
configuration with the same bits as the last one's gives that pose again without forward
kinematics or scipy. Checked: the same bits as a fresh computation, whatever came between
(batches, other configurations, NaN, -0.0 against 0.0, a caller writing into a result), and
the cache used (no pose computed for a repeat); and (perf59) one configuration's pose, computed
without scipy, with the bits of scipy's (near and at gimbal lock too). ROS-free, CPU.
"""

import warnings

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
    """Input: the same joints 5 times, then new ones. Should: the pose computed twice."""
    kinematics = FrankaKinematics(RobotConfig())
    calls = []
    single = kinematics._single_pose

    def counted(joints):
        calls.append(1)
        return single(joints)

    monkeypatch.setattr(kinematics, "_single_pose", counted)
    for _ in range(5):
        kinematics.ee_pose(HOME)
    kinematics.ee_pose(HOME + 0.01)
    assert len(calls) == 2


def _locked_tool_rpy(pitch: float) -> list[float]:
    """tcp_rpy that puts the TCP at Euler pitch ``pitch`` (±π/2: gimbal lock) at zero joints."""
    rotation = kinematics_module._rotation()
    flange = kinematics_module.forward_kinematics(np.zeros(7), tool=np.eye(4))[:3, :3]
    target = rotation.from_euler("xyz", [0.3, pitch, 0.0]).as_matrix()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's "Gimbal lock detected" (roll - yaw is kept)
        return rotation.from_matrix(flange.T @ target).as_euler("xyz").tolist()


@pytest.mark.parametrize("config", [
    RobotConfig(), RobotConfig(model="fr3", tcp_xyz=[0.01, -0.02, 0.2], tcp_rpy=[0.1, 0.2, -0.3],
                               flange_offset=0.2),
    RobotConfig(tcp_rpy=_locked_tool_rpy(np.pi / 2)),
    RobotConfig(tcp_rpy=_locked_tool_rpy(-np.pi / 2))])
def test_one_configuration_has_the_bits_of_scipys_pose(config):
    """perf59: one configuration's pose without scipy or a new DH table per message.

    Input: 500 random configurations across the joint ranges and beyond, zeros, -0.0, nudges of
    zero by 1e-9..1e-5 rad; tools that point the TCP's x axis straight down or up at zero
    joints (Euler pitch ±π/2: gimbal lock, and near it for the nudges). Should: each pose the
    bits of ``forward_kinematics`` and scipy's ``from_matrix(...).as_euler("xyz")`` (the code it
    replaces), and of the same configurations in a batch (scipy's path still).
    """
    rotation = kinematics_module._rotation()
    kinematics = FrankaKinematics(config)
    rng = np.random.default_rng(1)
    nudges = np.logspace(-9, -5, 20)[:, None] * rng.normal(size=(20, 7))
    joints = np.concatenate([np.zeros((1, 7)), np.full((1, 7), -0.0), nudges,
                             rng.uniform(-3.0, 3.0, (500, 7))])
    tool = kinematics_module.transform(config.tcp_xyz, config.tcp_rpy)
    for row in joints:
        kinematics._last_pose = None  # computed, not the cache
        got = kinematics.ee_pose(row)
        matrix = kinematics_module.forward_kinematics(row, config.flange_offset, tool)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # scipy's "Gimbal lock detected"
            angles = rotation.from_matrix(matrix[:3, :3]).as_euler("xyz")
        assert got.tobytes() == np.concatenate([matrix[:3, 3], angles]).tobytes(), row.tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        batch = kinematics.ee_pose(joints)
    singles = []
    for row in joints:
        kinematics._last_pose = None
        singles.append(kinematics.ee_pose(row))
    assert batch.tobytes() == np.array(singles).tobytes()
