"""Placed means upright: the object's up axis within max_tilt_deg of the world's up or down.

A box on a side face rests within height_tolerance of its upright height, so the height alone
counted a tipped-over box as placed.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.sim.detectors import (
    MAX_PLACED_TILT_DEG,
    DetectorConfig,
    ObjectReading,
    is_placed,
    tilt_deg,
)

REST = 0.03  # m: the box's centre standing on the table
SPOT = (0.5, 0.0)


def _at_rest(rotation: Rotation, z: float = REST) -> ObjectReading:
    return ObjectReading(np.array([*SPOT, z]), rotation.as_quat(), np.zeros(3), np.zeros(3),
                         np.zeros(2), False)


@pytest.mark.parametrize("axis", [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.6, 0.8, 0.0]])
def test_a_tilt_beyond_the_limit_about_any_level_axis_is_not_placed(axis):
    axis = np.asarray(axis)
    for degrees, placed in ((MAX_PLACED_TILT_DEG - 1, True), (MAX_PLACED_TILT_DEG + 1, False),
                            (90.0, False), (180.0 - MAX_PLACED_TILT_DEG - 1, False),
                            (180.0 - MAX_PLACED_TILT_DEG + 1, True),
                            (180.0, True)):  # 180: upside down, as upright (symmetric objects)
        turn = Rotation.from_rotvec(np.radians(degrees) * axis)
        assert tilt_deg(turn.as_quat()) == pytest.approx(degrees, abs=1e-6)
        assert is_placed(_at_rest(turn), SPOT, REST) is placed, (axis, degrees)


def test_yaw_does_not_tilt_and_the_limit_is_a_setting():
    turned = Rotation.from_euler("zx", [120.0, 15.0], degrees=True)  # yaw, then a 15° lean
    assert is_placed(_at_rest(Rotation.from_euler("z", 120.0, degrees=True)), SPOT, REST)
    assert not is_placed(_at_rest(turned), SPOT, REST)
    assert is_placed(_at_rest(turned), SPOT, REST, DetectorConfig(max_tilt_deg=20.0))
    assert tilt_deg(2.0 * turned.as_quat()) == pytest.approx(15.0)  # not normalized: fine
    with pytest.raises(ValueError, match="max_tilt_deg"):
        DetectorConfig(max_tilt_deg=95.0)
    with pytest.raises(ValueError, match="quaternion"):
        tilt_deg([0.0, 0.0, 0.0, 0.0])


def test_a_cup_lying_on_its_side_is_not_placed_even_within_the_height_tolerance():
    pytest.importorskip("pybullet", reason="the simulator needs pybullet")
    from vjepa_ros.sim.detectors import SuccessMonitor
    from vjepa_ros.sim.manipulation import manipulation_sim_config
    from vjepa_ros.sim.sim import Sim

    with Sim(manipulation_sim_config(0, "cup", 32, 32)) as sim:
        p, body = sim._p, sim.handles.graspable
        loose = DetectorConfig(height_tolerance=0.02)  # the lying cup's centre: 1.5 cm lower
        for roll, placed in ((0.0, True), (np.pi / 2, False)):
            sim.reset(0)
            centre = 0.045 if roll == 0 else 0.03
            p.resetBasePositionAndOrientation(body, [*SPOT, centre + 5e-4],
                                              p.getQuaternionFromEuler([roll, 0.0, 0.0]),
                                              physicsClientId=sim.client)
            sim.step(240)
            reading = sim.object_reading()
            assert np.linalg.norm(reading.linear_velocity) < 0.02  # at rest ...
            assert np.linalg.norm(reading.position[:2] - SPOT) < 0.01  # ... on the spot
            assert SuccessMonitor(sim, loose).placed(SPOT) is placed, roll
