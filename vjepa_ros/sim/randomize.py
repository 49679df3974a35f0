"""Randomized simulator scenes (domain randomization) for self-supervised pretraining data.

One seed draws one scene: the camera pose and field of view, the light direction and shadows, the
number, size and region of the objects (their placement and yaw come from the scene seed as
before). Arm poses vary within each episode through the collector's scripted motion. The point is
that an encoder pretrained on such video does not learn one image (issue 20): what stays the same
across scenes is the arm and how it moves.

The ranges keep the arm and the table in view: the camera moves around the default DROID-like
exterior pose (``CameraConfig``) by at most ``camera_eye_jitter`` per axis and looks at a point
at most ``camera_target_jitter`` away from the default; the light comes from the upper hemisphere
(elevation >= ``light_min_elevation_deg``).
"""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np

from vjepa_ros.config import param
from vjepa_ros.sim.choices import RANDOMIZE_WHAT
from vjepa_ros.sim.config import SimConfig


@dataclasses.dataclass
class SceneRandomization:
    camera_eye_jitter: list[float] = param(
        [0.2, 0.3, 0.2], "Largest offset [m] of the camera position per axis (x, y, z)."
    )
    camera_target_jitter: float = param(
        0.06, "Largest offset [m] per axis of the point the camera looks at."
    )
    fov_deg: list[float] = param([50.0, 70.0], "Range [deg] of the vertical field of view.")
    light_min_elevation_deg: float = param(
        20.0, "Lowest elevation [deg] of the light direction above the table plane."
    )
    shadow_probability: float = param(0.7, "Chance that a scene renders shadows.")
    num_objects: list[int] = param([0, 6], "Range (inclusive) of the number of objects.")
    object_size: list[float] = param([0.03, 0.07], "Range [m] of the object edge/diameter.")
    what: str = param(
        "all", "What is drawn per scene: all (camera pose, field of view, light, objects) or "
        "camera (only the camera pose; field of view, light and objects stay the base scene's). "
        "Both draw the same numbers, so seed k puts the camera at the same pose either way."
    )

    def __post_init__(self):
        if len(self.camera_eye_jitter) != 3 or min(self.camera_eye_jitter) < 0:
            raise ValueError("SceneRandomization.camera_eye_jitter must be 3 numbers >= 0")
        if self.camera_target_jitter < 0:
            raise ValueError("SceneRandomization.camera_target_jitter must be >= 0")
        for name, low_bound, high_bound in (("fov_deg", 1.0, 179.0), ("num_objects", 0, 6),
                                            ("object_size", 0.01, 0.2)):
            low, high = getattr(self, name)
            if not low_bound <= low <= high <= high_bound:
                raise ValueError(f"SceneRandomization.{name} must be [low, high] within "
                                 f"[{low_bound}, {high_bound}], got {[low, high]}")
        if not 0 <= self.light_min_elevation_deg < 90:
            raise ValueError("SceneRandomization.light_min_elevation_deg must be in [0, 90)")
        if not 0 <= self.shadow_probability <= 1:
            raise ValueError("SceneRandomization.shadow_probability must be in [0, 1]")
        if self.what not in RANDOMIZE_WHAT:
            raise ValueError("SceneRandomization.what must be one of "
                             f"{', '.join(RANDOMIZE_WHAT)}, got {self.what!r}")


def randomized_sim_config(base: SimConfig, seed: int,
                          randomization: SceneRandomization | None = None) -> SimConfig:
    """Return a copy of ``base`` with camera, light and objects drawn from ``seed``.

    Deterministic for (base, seed, randomization). ``base.seed`` becomes ``seed`` (the object
    placement). Raises ``ValueError`` (naming the field) when the drawn scene is impossible, e.g.
    a base object region too small for the drawn number of objects.
    """
    spec = randomization or SceneRandomization()
    rng = np.random.default_rng([seed, 20])  # a stream of its own, apart from the placement's
    config = copy.deepcopy(base)
    config.seed = int(seed)
    camera = config.camera
    jitter = np.asarray(spec.camera_eye_jitter)
    camera.eye = (np.asarray(camera.eye) + rng.uniform(-jitter, jitter)).round(4).tolist()
    target_jitter = spec.camera_target_jitter
    camera.target = (np.asarray(camera.target)
                     + rng.uniform(-target_jitter, target_jitter, 3)).round(4).tolist()
    fov = round(float(rng.uniform(*spec.fov_deg)), 2)
    elevation = math.radians(rng.uniform(spec.light_min_elevation_deg, 90.0))
    azimuth = rng.uniform(-math.pi, math.pi)
    shadows = bool(rng.random() < spec.shadow_probability)
    num_objects = int(rng.integers(spec.num_objects[0], spec.num_objects[1] + 1))
    object_size = round(float(rng.uniform(*spec.object_size)), 4)
    if spec.what == "all":
        camera.vertical_fov_deg = fov
        camera.light_direction = [round(math.cos(elevation) * math.cos(azimuth), 4),
                                  round(math.cos(elevation) * math.sin(azimuth), 4),
                                  round(math.sin(elevation), 4)]
        camera.shadows = shadows
        config.scene.num_objects = num_objects
        config.scene.object_size = object_size
    return config.check()
