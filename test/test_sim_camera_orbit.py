"""Camera placements by azimuth/elevation about the look-at point (held-out placements, #19)."""

import math

import numpy as np
import pytest

from vjepa_ros.sim.camera_orbit import camera_placement, elevation_range, orbit_camera
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


@pytest.mark.parametrize("eye, target, table, distance, elevation", [
    ([1.15, -0.55, 0.6], [0.4, 0.0, 0.35], 0.0, None, -30.0),  # the default camera, 0.963 m
    ([1.15, -0.55, 0.6], [0.4, 0.0, 0.35], 0.0, 0.5, -45.0),  # nearer: -44.4 is the edge
    ([1.4, 0.0, 0.35], [0.4, 0.0, 0.35], 0.2, None, -10.0),  # a raised table: -8.6 the edge
    ([1.4, 0.0, 0.35], [0.4, 0.0, 0.35], 0.0, 2.0, -11.0),  # farther: -10.1 is the edge
])
def test_an_eye_under_the_table_is_refused_with_the_valid_range(eye, target, table, distance,
                                                                elevation):
    camera = CameraConfig(eye=eye, target=target)
    with pytest.raises(ValueError) as caught:
        orbit_camera(camera, 20.0, elevation, distance, table_height=table)
    text = str(caught.value)
    low, high = elevation_range(camera, distance or np.linalg.norm(np.subtract(eye, target)),
                                table)
    assert "under the table" in text and f"({low:.1f}, {high:.1f}) deg" in text
    assert "\n" not in text and low > elevation
    eye_z = orbit_camera(camera, 20.0, low + 0.5, distance, table_height=table).eye[2]
    assert eye_z > table  # just inside the range: above the table top


def test_elevation_range_of_the_default_camera_and_the_edges():
    camera = CameraConfig()
    low, high = elevation_range(camera, 0.963)
    assert low == pytest.approx(math.degrees(math.asin(-0.35 / 0.963))) and high == 85.0
    assert elevation_range(camera, 0.2) == (-85.0, 85.0)  # the table is out of reach


@pytest.mark.parametrize("elevation", [85.5, 89.9, 90.0, 120.0, -90.0])
def test_an_eye_at_the_vertical_is_refused(elevation):
    camera = CameraConfig(eye=[1.4, 0.0, 2.35], target=[0.4, 0.0, 2.0])  # table out of reach
    with pytest.raises(ValueError, match=r"\(-85.0, 85.0\) deg"):
        orbit_camera(camera, 0.0, elevation, 0.5, table_height=0.0)
    assert orbit_camera(camera, 0.0, 84.9, 0.5).eye[2] > 2.0


def test_the_vertical_is_taken_from_the_cameras_up_vector():
    sideways = CameraConfig(eye=[0.4, 1.0, 0.35], target=[0.4, 0.0, 0.35], up=[1.0, 0.0, 0.0])
    assert camera_placement(sideways)[:2] == pytest.approx((90.0, 0.0))  # 90 deg off up: fine
    for azimuth in (2.0, -3.0, 178.0):  # 2-3 deg from the up axis, level with the target
        with pytest.raises(ValueError, match=r"within 5 deg of the camera's up vector \[1.0, 0.0"):
            orbit_camera(sideways, azimuth, 0.0)
    assert orbit_camera(sideways, 80.0, 0.0).eye[1] > 0.9


@pytest.mark.parametrize("eye, message", [
    ([0.9, 0.0, -0.1], "not above the table top"),  # under the table
    ([0.4, 0.01, 1.2], "within 5 deg of the camera's up vector"),  # straight above the target
    ([0.4, 0.0, -0.5], "not above the table top"),  # straight below
])
def test_camera_placement_refuses_a_camera_under_the_table_or_at_the_vertical(eye, message):
    with pytest.raises(ValueError, match=message):
        camera_placement(CameraConfig(eye=eye, target=[0.4, 0.0, 0.35]))


@pytest.mark.parametrize("distance", [0.0, -0.3, float("inf"), float("nan")])
def test_a_distance_that_is_not_positive_and_finite_is_refused(distance):
    with pytest.raises(ValueError, match="camera distance must be > 0 m .* give a positive"):
        orbit_camera(CameraConfig(), 0.0, 10.0, distance)
