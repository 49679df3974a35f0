"""Typed settings of the simulated Franka scene: scene, camera and Cartesian controller.

Every field is a described :func:`vjepa_ros.config.param`, so the ``sim_node`` publishes them as
ROS parameters (``sim.camera.width``) and ``config/sim.yaml`` can set them. :meth:`SimConfig.check`
turns impossible values into a :class:`ValueError` that names the field.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from vjepa_ros.config import check_values, param
from vjepa_ros.image_limits import MIN_SIDE_PX, camera_shape_refusal
from vjepa_ros.robot.joint_states import (
    CONTINUOUS_FORCE_WHY,
    FRANKA_HAND_MAX_FORCE,
    FRANKA_HAND_PEAK_FORCE,
)
from vjepa_ros.sim.choices import MAX_SEED
from vjepa_ros.sim.objects import graspable_spec
from vjepa_ros.sim.panda import FRANKA_HAND_TCP_OFFSET, JOINT_LOWER, JOINT_UPPER, READY_JOINTS

# The simulated camera's width and height [px], for every command and node that renders
# (collect, record, run, sim_node, the benchmarks): at least the smallest image a goal may be
# (image_limits.MIN_SIDE_PX), at most 1024 (TinyRenderer renders on the CPU; larger frames only
# cost time, the model resizes them to 256 px or less).
CAMERA_SIZE_PX = (MIN_SIDE_PX, 1024)
# Simulated seconds per wall second the simulator may be asked for (0: as fast as the CPU
# allows). Finite: inf made a 0 s step timer (a busy loop), and a factor far beyond what a
# simulation can step (1e9) is a wrong setting, not a slow CPU.
REAL_TIME_FACTOR = (0, 100)
# A success (or placement) radius [m]: above 0.2 m a reach is a success before it starts (its
# goals lie 0.08-0.25 m away), and 5 (cm meant, m read) made every reach one.
SUCCESS_RADIUS = {"range": (0, 0.2), "low_open": True, "unit": "m"}
# Height [m] of the table top in the base frame (panda_link0, the robot's mounting face: the
# robot stays at the origin, the table moves). Below the base (< 0) the robot stands on a
# pedestal; above it the table has a cut-out round the arm's column (panda_link0/1, which only
# turn about the base's z axis); above 0.2 m it would cut the shoulder (panda_link2 reaches down
# to 0.25 m at the ready pose). Below -0.3 m the hand cannot reach the objects: measured with
# Sim.move_to, top-down, 5 cm above the table top, the whole default graspable_region is reached
# within 1 mm down to -0.35 m; at -0.4 m its far side (x 0.62 m) stops 0.18 m short (lowest TCP
# z -0.20 m), at -0.5 m 0.30 m short, at -1 m 0.77 m (every grasp and place runs out of steps).
# (The default object_region's far corner, x 0.7 m y 0.3 m, is reached down to -0.15 m only.)
TABLE_HEIGHT_M = (-0.3, 0.2)
TABLE_BEHIND_BASE = 0.3  # m of table behind the robot base: its back edge lies at x = -0.3 m
# Shortest camera.up / camera.light_direction / camera.eye-to-target vector taken as a direction
# (a shorter one is a zero meant or mistyped). Measured on 64x64 frames: light [0, 0, 0] draws
# 2 colours (black on white), up [0, 0, 1e-30] 1 colour; lengths 1e-7 render as their direction.
MIN_LENGTH = 1e-6


@dataclasses.dataclass
class CameraConfig:
    width: int = param(256, "Image width [px], 32..1024 (256 for the model, 640 like a "
                       "RealSense stream); the long side at most 4 times the short.",
                       range=CAMERA_SIZE_PX)
    height: int = param(256, "Image height [px], 32..1024 (256 or 480).", range=CAMERA_SIZE_PX)
    eye: list[float] = param(
        [1.15, -0.55, 0.6], "Camera position [m] in the robot base frame (a front-side view, "
        "like a DROID exterior camera)."
    )
    target: list[float] = param(
        [0.4, 0.0, 0.35], "Point [m] in the base frame the camera looks at."
    )
    up: list[float] = param([0.0, 0.0, 1.0], "Up direction of the image in the base frame.")
    vertical_fov_deg: float = param(60.0, "Vertical field of view [deg].",
                                    range=(0, 180), low_open=True, high_open=True)
    near: float = param(0.05, "Near clipping distance [m].", range=(0, 10), low_open=True)
    far: float = param(5.0, "Far clipping distance [m].", range=(0, 1000), low_open=True)
    shadows: bool = param(True, "Render shadows (TinyRenderer, CPU).")
    light_direction: list[float] = param(
        [0.6, -0.4, 1.0], "Direction towards the light in the base frame."
    )


@dataclasses.dataclass
class SceneConfig:
    num_objects: int = param(3, "Coloured objects placed on the table (0 to 6).", range=(0, 6))
    object_size: float = param(0.045, "Edge length / diameter of the objects [m].",
                               range=(0.01, 0.2))
    object_region: list[float] = param(
        [0.35, 0.7, -0.3, 0.3],
        "Region [x_min, x_max, y_min, y_max] (m, base frame) where objects are placed at random.",
    )
    object_spacing: float = param(0.08, "Minimum distance between object centres [m].",
                                  range=(0, 1))
    table_size: list[float] = param(
        [1.3, 1.4], "Table top size [x, y] in metres; its front edge is 0.3 m behind the base."
    )
    table_height: float = param(
        0.0, "Height of the table top in the base frame [m] (the robot stays at the origin; "
        "below 0 it stands on a pedestal, above 0 in a cut-out of the table; below -0.3 the "
        "hand no longer reaches the graspable region, above 0.2 the table cuts the shoulder).",
        range=TABLE_HEIGHT_M
    )
    graspable: str = param(
        "", "Graspable object placed in addition to the coloured ones: 'cup', 'box' or '' (none)."
    )
    graspable_region: list[float] = param(
        [0.42, 0.62, -0.15, 0.15],
        "Region [x_min, x_max, y_min, y_max] (m, base frame) of the graspable object's centre: "
        "within reach of a top-down grasp and in the camera's view.",
    )
    graspable_spacing: float = param(
        0.13, "Minimum distance [m] between the graspable object's centre and the others' "
        "(room for the open fingers).",
        range=(0, 1)
    )


@dataclasses.dataclass
class ControllerConfig:
    tcp_offset: float = param(
        FRANKA_HAND_TCP_OFFSET,
        "End-effector point: distance [m] from the flange along the panda_hand z axis.",
        range=(0, 0.3)
    )
    max_linear_speed: float = param(0.25, "Cartesian speed limit of the end effector [m/s].",
                                    range=(0, 2), low_open=True)
    max_angular_speed: float = param(1.0, "Angular speed limit of the end effector [rad/s].",
                                     range=(0, 10), low_open=True)
    position_gain: float = param(8.0, "Proportional gain on the position error [1/s].",
                                 range=(0, 100), low_open=True)
    orientation_gain: float = param(8.0, "Proportional gain on the orientation error [1/s].",
                                    range=(0, 100), low_open=True)
    damping: float = param(0.02, "Damping of the least-squares inverse kinematics.",
                           range=(0, 1), low_open=True)
    nullspace_gain: float = param(1.0, "Pull towards the home joint pose in the null space [1/s].",
                                  range=(0, 100))
    joint_speed_fraction: float = param(
        0.5, "Joint speeds are commanded at most at this fraction of Franka's joint speed limits "
        "(pybullet's motor runs ~1.1x the command; above 0.91 the command stays at the limits / "
        "1.101, so no joint passes them).",
        range=(0, 1), low_open=True
    )
    joint_limit_margin: float = param(0.02, "Joint commands stay this far [rad] inside limits.",
                                      range=(0, 0.2), high_open=True)
    gripper_speed: float = param(0.1, "Finger speed limit [m/s].", range=(0, 1), low_open=True)
    gripper_force: float = param(
        40.0, "Finger force limit [N] of the gripper_command (Float64) path's moves and grasps, "
        f"0 < f <= {FRANKA_HAND_MAX_FORCE:g}: the Franka Hand's continuous grasp force (its "
        f"{FRANKA_HAND_PEAK_FORCE:g} N peak is not modelled).",
        range=(0, FRANKA_HAND_MAX_FORCE), low_open=True, unit="N",
        high_why=CONTINUOUS_FORCE_WHY
    )


@dataclasses.dataclass
class SimConfig:
    seed: int = param(0, "Seed of the object placement and everything random in the scene.",
                      range=(0, MAX_SEED))
    physics_hz: float = param(240.0, "Physics and controller rate [Hz].", range=(50, 10000))
    home_joints: list[float] = param(
        list(READY_JOINTS), "Arm joint positions [rad] at reset (Franka's ready pose), within "
        "Franka's joint limits."
    )
    scene: SceneConfig = dataclasses.field(default_factory=SceneConfig)
    camera: CameraConfig = dataclasses.field(default_factory=CameraConfig)
    controller: ControllerConfig = dataclasses.field(default_factory=ControllerConfig)

    def check(self) -> SimConfig:
        """Raise :class:`ValueError` naming the first impossible setting; return ``self``.

        First every number in its declared range (``config.check_values``: ``scene.num_objects
        must lie in [0, 6], got 7``; a subclass's fields too, e.g. the sim node's runner rates),
        then what spans several fields (``camera.width 33 and camera.height 1000: the camera
        image is 33x1000 px: long side more than 4 times the short one ...``: a camera whose
        every frame the planner refuses, ``image_limits.camera_shape_problem``).
        """
        camera, scene = self.camera, self.scene
        low, high = CAMERA_SIZE_PX  # (declared on the fields too) both named, as --width/--height
        _require(low <= camera.width <= high and low <= camera.height <= high,
                 f"camera.width/height must be {low}..{high} px, got {camera.width}x"
                 f"{camera.height}")
        shape = camera_shape_refusal(camera.width, camera.height,  # the planner's rule
                                     ("camera.width", "camera.height"))
        _require(not shape, shape)
        check_values(self)
        _require(camera.near < camera.far, "camera.near must be < camera.far")
        for name in ("eye", "target", "up", "light_direction"):
            _require_vector(f"camera.{name}", getattr(camera, name), 3)
        _require(math.dist(camera.eye, camera.target) > MIN_LENGTH,
                 f"camera.eye and camera.target coincide (closer than {MIN_LENGTH:g} m): the "
                 "camera has no viewing direction")
        check_camera_up(camera)
        _require_direction("camera.light_direction", camera.light_direction,
                           "the direction towards the light, e.g. [0.6, -0.4, 1.0] (a zero "
                           "one draws the scene black on white)")
        _require(scene.graspable in ("", "cup", "box"),
                 "scene.graspable must be '', 'cup' or 'box'")
        _require_vector("scene.table_size", scene.table_size, 2)
        _require(min(scene.table_size) > 0, "scene.table_size must be positive")
        for name in ("object_region", "graspable_region"):
            _require_vector(f"scene.{name}", getattr(scene, name), 4)
            x0, x1, y0, y1 = getattr(scene, name)
            _require(x0 < x1 and y0 < y1, f"scene.{name} must be [x_min, x_max, y_min, y_max]")
        if scene.num_objects:
            _require_on_table(scene, "object_region", scene.object_size / 2)
        if scene.graspable:
            _require_on_table(scene, "graspable_region",
                              max(graspable_spec(scene.graspable).size[:2]) / 2)
        _require_vector("home_joints", self.home_joints, 7)
        _require_joint_limits(self.home_joints)
        return self


def check_box(name: str, box) -> None:
    """Raise ValueError unless ``box`` is [x_min, x_max, y_min, y_max, z_min, z_max], min < max."""
    values = np.asarray(box, dtype=np.float64).reshape(-1)
    if values.shape != (6,) or not np.all(values[::2] < values[1::2]):
        raise ValueError(
            f"{name} must be [x_min, x_max, y_min, y_max, z_min, z_max] with min < max, got {box}"
        )


def table_extent(scene: SceneConfig) -> tuple[float, float, float, float]:
    """Return the table top's (x_min, x_max, y_min, y_max) [m] in the base frame."""
    length, width = scene.table_size
    return -TABLE_BEHIND_BASE, length - TABLE_BEHIND_BASE, -width / 2, width / 2


def check_camera_up(camera: CameraConfig) -> None:
    """Raise ValueError naming ``camera.up`` (and an up to set) if it is along the view.

    ``camera.eye``, ``camera.target`` and ``camera.up`` [3] are in the base frame; an up
    parallel to ``target - eye`` (a top-down camera with up [0, 0, 1]) leaves the image's
    roll undefined. The suggested up is the base axis most across the view.
    """
    forward = np.subtract(camera.target, camera.eye, dtype=np.float64)
    up = np.asarray(camera.up, dtype=np.float64)
    _require_direction("camera.up", camera.up, "the image's up direction, e.g. [0, 0, 1]")
    scale = np.linalg.norm(forward) * np.linalg.norm(up)
    if np.linalg.norm(np.cross(forward, up)) >= 1e-6 * scale:
        return
    axis = np.eye(3)[int(np.argmin(np.abs(forward)))].astype(int).tolist()
    _require(False, f"camera.up {list(camera.up)} is parallel to the viewing direction "
                    f"(camera.target - camera.eye = {np.round(forward, 3).tolist()}): set "
                    f"camera.up to a direction across it, e.g. {axis}")


def _require_on_table(scene: SceneConfig, name: str, half_footprint: float) -> None:
    x0, x1, y0, y1 = table_extent(scene)
    inner = [x0 + half_footprint, x1 - half_footprint, y0 + half_footprint, y1 - half_footprint]
    rx0, rx1, ry0, ry1 = getattr(scene, name)
    _require(inner[0] <= rx0 and rx1 <= inner[1] and inner[2] <= ry0 and ry1 <= inner[3],
             f"scene.{name} {list(getattr(scene, name))} is off the table: object centres must "
             f"lie in [{inner[0]:g}, {inner[1]:g}, {inner[2]:g}, {inner[3]:g}] m (the table "
             f"top x {x0:g}..{x1:g} m, y {y0:g}..{y1:g} m, scene.table_size "
             f"{list(scene.table_size)}, less half an object)")


def _require_joint_limits(home) -> None:
    home = np.asarray(home, dtype=np.float64)
    outside = np.flatnonzero((home < JOINT_LOWER) | (home > JOINT_UPPER))
    if outside.size:
        index = int(outside[0])
        hint = " (degrees given?)" if np.abs(home).max() > 2 * np.pi else ""
        limits = ", ".join(f"{lo:.4g}..{hi:.4g}"
                           for lo, hi in zip(JOINT_LOWER, JOINT_UPPER, strict=True))
        _require(False, f"home_joints must be radians within Franka's joint limits{hint}: "
                        f"joint {index + 1} is {home[index]:g}, outside "
                        f"{JOINT_LOWER[index]:.4g}..{JOINT_UPPER[index]:.4g} (limits of joints "
                        f"1-7 [rad]: {limits})")


def _require(ok: bool, message: str) -> None:
    """Raise ValueError(``message``) unless ``ok``: the message names the setting first."""
    if not ok:
        raise ValueError(message)


def _require_direction(name: str, vector, what: str) -> None:
    """Refuse a direction ``vector`` [3] shorter than :data:`MIN_LENGTH`, asking for ``what``.

    ``camera.light_direction is [1e-07, 0.0, 0.0]: length 1e-07 < 1e-06: a direction is
    needed; give ...`` (the vector as given).
    """
    length = float(np.linalg.norm(np.asarray(vector, dtype=np.float64)))
    _require(length >= MIN_LENGTH,
             f"{name} is {[float(v) for v in vector]}: length {length:.3g} < {MIN_LENGTH:g}: "
             f"a direction is needed; give {what}")


def _require_vector(name: str, value, size: int) -> None:
    _require(
        len(value) == size and all(math.isfinite(float(v)) for v in value),
        f"{name} must hold {size} finite numbers, got {list(value)}",
    )
