"""Randomized simulator scenes (domain randomization) for self-supervised pretraining data.

One seed draws one scene: the camera pose and field of view, the light direction and shadows, the
number, size and region of the objects (their placement and yaw come from the scene seed as
before). Arm poses vary within each episode through the collector's scripted motion. The point is
that an encoder pretrained on such video does not learn one image (issue 20): what stays the same
across scenes is the arm and how it moves.

The camera moves around the default DROID-like exterior pose (``CameraConfig``) by at most
``camera_eye_jitter`` per axis and looks at a point at most ``camera_target_jitter`` away from the
default; the light comes from the upper hemisphere (elevation >= ``light_min_elevation_deg``).

Those ranges alone do not keep the arm and the table in view: an eye close to a raised look-at
point with a narrow field of view loses much of both (seed 307, eye [0.961, -0.2554, 0.5325],
target [0.3471, 0.0208, 0.3932], fov 54.1: 79 % of the hand's positions, 14 % of the object
region). So every draw is checked, and one that fails is drawn again from the same seeded
generator (at most ``MAX_DRAWS`` draws, then a one-line ``ValueError`` naming the ranges). The
rule (:func:`view_shares`, through the matrices the camera renders with,
``sim.camera.in_image``): at least ``MIN_WORKSPACE_IN_VIEW`` (96 %) of the collector's workspace
box (``CollectorConfig.workspace``, where the hand goes) and ``MIN_OBJECT_REGION_IN_VIEW`` (55 %)
of ``scene.object_region`` (at the height of the objects' centres) project inside the image. The
default camera passes (100 % and 98 %). A draw that passes comes out exactly as before the rule.
The margins over 95 % and 50 % let a check by random sampling agree (test_breaker44f: 2000
points, about +-0.5 % and +-1 %). Measured on seeds 0..499 (any image size of the same aspect):
with ``what="all"`` 15 scenes are drawn again (their first draws down to 79 % of the workspace
and 14 % of the object region; each passes at the second draw, seed 72 at the third), with
``what="camera"`` 6 (90, 109, 127, 226, 307, 460; down to 87 % and 29 %); seeds 0..599 with
``what="camera"``: 13.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np

from vjepa_ros.config import param
from vjepa_ros.sim.camera import in_image
from vjepa_ros.sim.choices import RANDOMIZE_WHAT
from vjepa_ros.sim.collector_config import CollectorConfig
from vjepa_ros.sim.config import SimConfig, check_box
from vjepa_ros.sim.pybullet_import import import_pybullet

# The view rule (measured numbers in the module docstring).
MIN_WORKSPACE_IN_VIEW = 0.96  # share of the collector's workspace box in the image
MIN_OBJECT_REGION_IN_VIEW = 0.55  # share of scene.object_region (at the objects' height)
VIEW_GRID = (20, 40)  # grid points per axis: workspace (20^3), object region (40^2)
MAX_DRAWS = 100  # draws per seed before giving up


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
        "Both draw the same numbers, so seed k puts the camera at the same pose either way, "
        "unless the view rule draws the scene again in one of them (17 of seeds 0..499)."
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
                          randomization: SceneRandomization | None = None,
                          workspace: list[float] | None = None) -> SimConfig:
    """Return a copy of ``base`` with camera, light and objects drawn from ``seed``.

    Deterministic for (base, seed, randomization, workspace). ``base.seed`` becomes ``seed`` (the
    object placement). A draw that fails the view rule (:func:`view_shares`; ``workspace``: the
    collector's box, default ``CollectorConfig().workspace``) is drawn again from the same
    generator, so a draw that passes comes out as it always did.

    Raises ``ValueError`` (naming the field) when the drawn scene is impossible, e.g. a base
    object region too small for the drawn number of objects, and when none of ``MAX_DRAWS``
    draws passes the view rule (naming the ranges).
    """
    spec = randomization or SceneRandomization()
    box = CollectorConfig().workspace if workspace is None else list(workspace)
    check_box("workspace", box)
    pybullet, _ = import_pybullet()
    rng = np.random.default_rng([seed, 20])  # a stream of its own, apart from the placement's
    for _ in range(MAX_DRAWS):
        config = _draw(base, seed, spec, rng)
        hand, objects = view_shares(config, box, pybullet)
        if hand >= MIN_WORKSPACE_IN_VIEW and objects >= MIN_OBJECT_REGION_IN_VIEW:
            return config
    camera = base.camera
    fov = spec.fov_deg if spec.what == "all" else camera.vertical_fov_deg
    raise ValueError(
        f"randomized scene {seed}: none of {MAX_DRAWS} draws keeps "
        f"{MIN_WORKSPACE_IN_VIEW:.0%} of the collector workspace {box} and "
        f"{MIN_OBJECT_REGION_IN_VIEW:.0%} of scene.object_region {base.scene.object_region} in "
        f"view of a camera within SceneRandomization.camera_eye_jitter {spec.camera_eye_jitter} "
        f"of eye {camera.eye}, camera_target_jitter {spec.camera_target_jitter} of target "
        f"{camera.target}, fov_deg {fov}: narrow the ranges or move the base camera"
    )


def view_shares(config: SimConfig, workspace: list[float], pybullet) -> tuple[float, float]:
    """Return the shares of the workspace box and of the object region in ``config``'s image.

    Each share is the fraction of a regular grid of cell centres (``VIEW_GRID`` per axis) that
    projects inside the image through the camera's own matrices (``sim.camera.in_image``): the
    collector's ``workspace`` [x_min, x_max, y_min, y_max, z_min, z_max] (the hand's positions)
    and ``scene.object_region`` at the height of the objects' centres on the table.
    """
    def centres(low, high, count):
        return low + (np.arange(count) + 0.5) * (high - low) / count

    box = np.asarray(workspace, dtype=np.float64)
    axes = [centres(box[2 * i], box[2 * i + 1], VIEW_GRID[0]) for i in range(3)]
    hand = np.stack(np.meshgrid(*axes, indexing="ij"), -1).reshape(-1, 3)
    scene = config.scene
    x0, x1, y0, y1 = scene.object_region
    xs, ys = centres(x0, x1, VIEW_GRID[1]), centres(y0, y1, VIEW_GRID[1])
    table = np.stack(np.meshgrid(xs, ys, indexing="ij"), -1).reshape(-1, 2)
    table = np.c_[table, np.full(len(table), scene.table_height + scene.object_size / 2)]
    return (float(in_image(config.camera, hand, pybullet).mean()),
            float(in_image(config.camera, table, pybullet).mean()))


def _draw(base: SimConfig, seed: int, spec: SceneRandomization,
          rng: np.random.Generator) -> SimConfig:
    """Return one scene drawn from ``rng`` (its next numbers, always the same count of them)."""
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
