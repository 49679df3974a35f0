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


def camera_placement(camera: CameraConfig) -> tuple[float, float, float]:
    """Return (azimuth [deg], elevation [deg], distance [m]) of ``camera``'s eye about its target.

    Raises ``ValueError`` when the eye and the target coincide or are not finite.
    """
    offset = np.asarray(camera.eye, dtype=float) - np.asarray(camera.target, dtype=float)
    if not np.isfinite(offset).all():
        raise ValueError(f"camera.eye {camera.eye} and camera.target {camera.target} must be "
                         "finite")
    distance = float(np.linalg.norm(offset))
    if distance <= 1e-9:
        raise ValueError("camera.eye equals camera.target: the camera has no direction")
    azimuth = math.degrees(math.atan2(offset[1], offset[0]))
    elevation = math.degrees(math.asin(float(np.clip(offset[2] / distance, -1.0, 1.0))))
    return azimuth, elevation, distance


def orbit_camera(camera: CameraConfig, azimuth_deg: float, elevation_deg: float,
                 distance_m: float | None = None) -> CameraConfig:
    """Return a copy of ``camera`` with its eye moved to the given placement about its target.

    Args:
        camera: the camera to move; its target, up, field of view and image size are kept.
        azimuth_deg: azimuth of the eye [deg] (module docstring convention).
        elevation_deg: elevation of the eye above the target's height [deg], in (-90, 90): the
            up vector must not be parallel to the viewing direction.
        distance_m: eye–target distance [m]; None keeps ``camera``'s.

    Raises:
        ValueError: elevation outside (-90, 90), a distance <= 0, or non-finite numbers.
    """
    _, _, current = camera_placement(camera)
    distance = current if distance_m is None else float(distance_m)
    if not (math.isfinite(azimuth_deg) and math.isfinite(elevation_deg)):
        raise ValueError(f"camera placement must be finite, got azimuth {azimuth_deg!r}, "
                         f"elevation {elevation_deg!r}")
    if not -90.0 < elevation_deg < 90.0:
        raise ValueError(f"camera elevation must be in (-90, 90) deg, got {elevation_deg!r}")
    if not (math.isfinite(distance) and distance > 0):
        raise ValueError(f"camera distance must be > 0 m, got {distance!r}")
    azimuth, elevation = math.radians(azimuth_deg), math.radians(elevation_deg)
    direction = np.array([math.cos(elevation) * math.cos(azimuth),
                          math.cos(elevation) * math.sin(azimuth), math.sin(elevation)])
    eye = np.asarray(camera.target, dtype=float) + distance * direction
    return dataclasses.replace(camera, eye=[round(float(v), 6) for v in eye])
