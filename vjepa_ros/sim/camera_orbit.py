"""Camera placements as azimuth, elevation and distance about the point the camera looks at.

A lab describes where its exterior camera stands as "45° to the left of the default, a bit
higher"; the simulator's :class:`~vjepa_ros.sim.config.CameraConfig` holds an eye point and a
look-at point in the robot base frame. These two functions convert between the two
descriptions, so a benchmark can put the camera at held-out placements (other azimuths and
heights) around the same look-at point (issue 19).

Convention (spherical coordinates of ``eye - target`` in the base frame, right-handed, z up):
azimuth is measured about base +z from base +x towards base +y, elevation from the table plane
up, both in degrees. The default camera (eye [1.15, -0.55, 0.6], target [0.4, 0.0, 0.35]) stands
at azimuth -36.3°, elevation 15.0°, 0.963 m.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.sim.config import CameraConfig

# The eye must stay this far from the camera's up axis (seen from the target): the look-at view
# matrix builds the image's x axis as (forward x up), whose length is sin(angle); at the vertical
# it vanishes and the image's rotation about the optical axis is undefined.
MIN_UP_ANGLE_DEG = 5.0


def camera_placement(camera: CameraConfig, table_height: float = 0.0
                     ) -> tuple[float, float, float]:
    """Return (azimuth [deg], elevation [deg], distance [m]) of ``camera``'s eye about its target.

    Args:
        camera: eye, target and up in the base frame [m].
        table_height: height of the table top in the base frame [m]
            (``SceneConfig.table_height``).
    Raises:
        ValueError: the eye and the target coincide or are not finite, the eye is not above the
            table top, or it looks along its up vector (within ``MIN_UP_ANGLE_DEG``).
    """
    offset = np.asarray(camera.eye, dtype=float) - np.asarray(camera.target, dtype=float)
    if not np.isfinite(offset).all():
        raise ValueError(f"camera.eye {camera.eye} and camera.target {camera.target} must be "
                         "finite")
    distance = float(np.linalg.norm(offset))
    if distance <= 1e-9:
        raise ValueError("camera.eye equals camera.target: the camera has no direction; move "
                         "the eye away from the target")
    azimuth = math.degrees(math.atan2(offset[1], offset[0]))
    elevation = math.degrees(math.asin(float(np.clip(offset[2] / distance, -1.0, 1.0))))
    _check_view(camera, offset, elevation, distance, table_height)
    return azimuth, elevation, distance


def elevation_range(camera: CameraConfig, distance_m: float, table_height: float = 0.0
                    ) -> tuple[float, float]:
    """Return the open range of elevations [deg] that keep the eye above the table, off vertical.

    For an eye ``distance_m`` from ``camera``'s target and camera up = base +z.

    The low end is where the eye meets the table plane, ``asin((table_height − target_z) / d)``
    (−90 when no elevation reaches it), capped at ``MIN_UP_ANGLE_DEG`` from straight down; the
    high end is ``MIN_UP_ANGLE_DEG`` short of straight up.
    """
    reach = float(np.clip((table_height - float(camera.target[2])) / distance_m, -1.0, 1.0))
    return max(math.degrees(math.asin(reach)), -90.0 + MIN_UP_ANGLE_DEG), 90.0 - MIN_UP_ANGLE_DEG


def _check_view(camera: CameraConfig, offset: np.ndarray, elevation: float, distance: float,
                table_height: float) -> None:
    """Raise ValueError when the eye is not above the table or looks along the up vector."""
    low, high = elevation_range(camera, distance, table_height)
    target = ", ".join(f"{v:g}" for v in camera.target)
    where = f"valid at {distance:.3f} m from the target [{target}]: ({low:.1f}, {high:.1f}) deg"
    eye_z = float(camera.target[2]) + float(offset[2])
    if not eye_z > table_height:
        raise ValueError(
            f"camera elevation {elevation:.1f} deg puts the eye at z {eye_z:.3f} m, not above "
            f"the table top (z {table_height:g} m): the camera would look from under the table "
            f"({where}); raise the elevation or shorten the distance")
    up = np.asarray(camera.up, dtype=float)
    sine = np.linalg.norm(np.cross(offset, up)) / (distance * np.linalg.norm(up))
    if not math.degrees(math.asin(min(1.0, float(sine)))) >= MIN_UP_ANGLE_DEG:
        raise ValueError(
            f"camera elevation {elevation:.1f} deg looks within {MIN_UP_ANGLE_DEG:g} deg of the "
            f"camera's up vector {list(camera.up)}: at the vertical the look-at view has no "
            f"defined image rotation ({where}); move the eye off the up axis")


def orbit_camera(camera: CameraConfig, azimuth_deg: float, elevation_deg: float,
                 distance_m: float | None = None, table_height: float = 0.0) -> CameraConfig:
    """Return a copy of ``camera`` with its eye moved to the given placement about its target.

    Args:
        camera: the camera to move; its target, up, field of view and image size are kept.
        azimuth_deg: azimuth of the eye [deg] (module docstring convention).
        elevation_deg: elevation of the eye above the target's height [deg]: the eye must stay
            above the table top and at least ``MIN_UP_ANGLE_DEG`` off the up vector
            (:func:`elevation_range`; with the default camera (-21.3, 85) deg).
        distance_m: eye–target distance [m], > 0; None keeps ``camera``'s.
        table_height: height of the table top in the base frame [m]
            (``SceneConfig.table_height``).

    Raises:
        ValueError: an elevation outside that range, a distance <= 0, or non-finite numbers;
            one line with the valid range and why.
    """
    _, _, current = camera_placement(camera, table_height)
    distance = current if distance_m is None else float(distance_m)
    if not (math.isfinite(azimuth_deg) and math.isfinite(elevation_deg)):
        raise ValueError(f"camera placement must be finite, got azimuth {azimuth_deg!r}, "
                         f"elevation {elevation_deg!r}")
    if not (math.isfinite(distance) and distance > 0):
        raise ValueError(f"camera distance must be > 0 m (the eye–target distance), got "
                         f"{distance!r}; give a positive distance")
    if not -90.0 < elevation_deg < 90.0:
        low, high = elevation_range(camera, distance, table_height)
        raise ValueError(f"camera elevation must be in ({low:.1f}, {high:.1f}) deg (above the "
                         f"table, off the vertical), got {elevation_deg!r}")
    azimuth, elevation = math.radians(azimuth_deg), math.radians(elevation_deg)
    direction = np.array([math.cos(elevation) * math.cos(azimuth),
                          math.cos(elevation) * math.sin(azimuth), math.sin(elevation)])
    _check_view(camera, distance * direction, elevation_deg, distance, table_height)
    eye = np.asarray(camera.target, dtype=float) + distance * direction
    return dataclasses.replace(camera, eye=[round(float(v), 6) for v in eye])
