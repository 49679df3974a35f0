"""The simulated camera: a pinhole looking at the workspace, rendered on the CPU (TinyRenderer).

The default pose is that of a DROID exterior camera: in front of the robot and to its side, a
little above the table, looking at the arm and the table. :class:`Camera` also gives the pinhole
intrinsics a ``sensor_msgs/CameraInfo`` carries (square pixels, principal point at the centre).
"""

from __future__ import annotations

import math

import numpy as np

from vjepa_ros.sim.config import CameraConfig, check_camera_up


def camera_matrices(config: CameraConfig, pybullet) -> tuple[tuple, tuple]:
    """Return the (view, projection) matrices :class:`Camera` renders ``config`` with.

    OpenGL 4x4 matrices (column-major, 16 floats each) from pybullet's helpers.
    """
    view = pybullet.computeViewMatrix(list(config.eye), list(config.target), list(config.up))
    projection = pybullet.computeProjectionMatrixFOV(
        config.vertical_fov_deg, int(config.width) / int(config.height), config.near, config.far
    )
    return view, projection


def in_image(config: CameraConfig, points, pybullet) -> np.ndarray:
    """Return whether each base-frame point [N, 3] (m) projects inside ``config``'s image.

    Through the very matrices the camera renders with (:func:`camera_matrices`): in front of
    the camera, between the near and far planes, and within the image's borders.
    """
    view, projection = (np.asarray(m, dtype=np.float64).reshape(4, 4).T
                        for m in camera_matrices(config, pybullet))
    points = np.asarray(points, dtype=np.float64).reshape(-1, 3)
    clip = np.c_[points, np.ones(len(points))] @ (projection @ view).T
    w = clip[:, 3]
    with np.errstate(divide="ignore", invalid="ignore"):
        ndc = clip[:, :3] / w[:, None]
    return (w > 0) & np.all(np.abs(ndc) <= 1, axis=1)


def camera_at_distance(config: CameraConfig, distance_m: float, width: int | None = None,
                       height: int | None = None) -> CameraConfig:
    """Return ``config`` moved along its line of sight to ``distance_m`` [m] from its target.

    The same direction (eye towards target), a far or near camera of the same scene; ``width``,
    ``height`` [px]: another image size (None: the config's).
    """
    import dataclasses

    target = np.asarray(config.target, dtype=np.float64)
    sight = np.asarray(config.eye, dtype=np.float64) - target
    eye = target + distance_m * sight / np.linalg.norm(sight)
    return dataclasses.replace(config, eye=[float(v) for v in eye],
                               width=config.width if width is None else int(width),
                               height=config.height if height is None else int(height))


class Camera:
    def __init__(self, config: CameraConfig, pybullet):
        self.config = config
        self.width, self.height = int(config.width), int(config.height)
        check_camera_up(config)  # an up along the view leaves the image's roll undefined
        self.view_matrix, self.projection_matrix = camera_matrices(config, pybullet)

    @property
    def intrinsics(self) -> np.ndarray:
        """Return the pinhole matrix K [3, 3] in pixels (the CameraInfo ``k``).

        Pixel centres are at integer coordinates, so the optical axis meets the image at
        ((W − 1)/2, (H − 1)/2).
        """
        focal = (self.height / 2) / math.tan(math.radians(self.config.vertical_fov_deg) / 2)
        cx, cy = (self.width - 1) / 2, (self.height - 1) / 2
        return np.array([[focal, 0.0, cx], [0.0, focal, cy], [0.0, 0.0, 1.0]])

    def render(self, pybullet, client: int) -> np.ndarray:
        """Render the scene of ``client`` and return ``[H, W, 3]`` uint8 RGB."""
        cfg = self.config
        _, _, rgba, _, _ = pybullet.getCameraImage(
            self.width,
            self.height,
            viewMatrix=self.view_matrix,
            projectionMatrix=self.projection_matrix,
            shadow=int(cfg.shadows),
            lightDirection=list(cfg.light_direction),
            renderer=pybullet.ER_TINY_RENDERER,
            flags=pybullet.ER_NO_SEGMENTATION_MASK,
            physicsClientId=client,
        )
        pixels = np.asarray(rgba, dtype=np.uint8).reshape(self.height, self.width, 4)
        return np.ascontiguousarray(pixels[..., :3])

