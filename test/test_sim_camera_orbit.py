"""Camera placements by azimuth/elevation about the look-at point (held-out placements, #19)."""

import math

import numpy as np
import pytest

from vjepa_ros.sim.camera_orbit import camera_placement, orbit_camera
from vjepa_ros.sim.config import CameraConfig


def test_default_camera_placement_and_round_trip():
    camera = CameraConfig()
    azimuth, elevation, distance = camera_placement(camera)
    offset = np.subtract(camera.eye, camera.target)
    assert azimuth == pytest.approx(math.degrees(math.atan2(-0.55, 0.75)))
    assert elevation == pytest.approx(math.degrees(math.atan2(0.25, math.hypot(0.75, 0.55))))
    assert distance == pytest.approx(np.linalg.norm(offset))
    same = orbit_camera(camera, azimuth, elevation)
    np.testing.assert_allclose(same.eye, camera.eye, atol=1e-5)
    for az, el, dist in ((50.0, 40.0, None), (-126.0, 5.0, 1.4), (170.0, -10.0, 0.5)):
        moved = orbit_camera(camera, az, el, dist)
        got = camera_placement(moved)
        np.testing.assert_allclose(got, (az, el, dist or distance), atol=1e-4)
        assert moved.target == camera.target and moved.up == camera.up
        assert moved.vertical_fov_deg == camera.vertical_fov_deg and moved.width == camera.width
    assert camera.eye == [1.15, -0.55, 0.6]  # the input is left unchanged


def test_azimuth_turns_the_eye_about_base_z_through_the_target():
    camera = CameraConfig(eye=[1.4, 0.0, 0.35], target=[0.4, 0.0, 0.35])
    np.testing.assert_allclose(orbit_camera(camera, 90.0, 0.0).eye, [0.4, 1.0, 0.35], atol=1e-6)
    np.testing.assert_allclose(orbit_camera(camera, -90.0, 0.0).eye, [0.4, -1.0, 0.35], atol=1e-6)
    high = orbit_camera(camera, 0.0, 60.0).eye
    np.testing.assert_allclose(high, [0.4 + 0.5, 0.0, 0.35 + math.sqrt(3) / 2], atol=1e-6)


def test_bad_placements_are_refused_naming_what_is_wrong():
    camera = CameraConfig()
    for args, word in (((0.0, 90.0), "elevation"), ((0.0, -95.0), "elevation"),
                       ((float("nan"), 10.0), "finite"), ((0.0, 10.0, 0.0), "distance"),
                       ((0.0, 10.0, -1.0), "distance")):
        with pytest.raises(ValueError, match=word):
            orbit_camera(camera, *args)
    with pytest.raises(ValueError, match="finite"):
        camera_placement(CameraConfig(eye=[float("nan"), 0.0, 0.5]))
    with pytest.raises(ValueError, match="eye equals"):
        camera_placement(CameraConfig(eye=[0.4, 0.0, 0.35], target=[0.4, 0.0, 0.35]))
