"""A scripted manipulation expert: reach, grasp, lift, carry, place — with misses and recoveries.

The expert drives the simulated arm the way the planner does: once per frame (4 Hz) it commands a
pose target at most one planner-sized action (``max_step`` per axis, ``max_rotation_step``) from
the previous one, and it drives the gripper with ``control_msgs/GripperCommand`` goals
(``Sim.command_gripper``: fully closed at ``gripper_effort`` N, or fully open). What it sees of the
object is what a perception stack would give: the object's pose; whether a grasp or a placement
worked it decides with the simulator's success detectors (``detectors.py``), and it recovers:

- **grasp**: above the object (hand turned so the fingers close across the box's narrow side; the
  cup is round), descend, close, lift. With ``miss_probability`` (halved, thirded on later
  attempts) the descent is mis-aimed beside the object, across the closing direction; the lift
  then shows no grasp, the expert opens and tries again where the object now is, up to
  ``max_regrasps`` times. With ``fidget_probability`` the empty hand closes for one frame (most
  of the way) and opens again above the object first (the gripper moving without an object, as
  teleoperators do).
- **carry** (reach-with-object and pick-and-place): with ``detour_probability`` via a random
  waypoint first; with ``drop_probability`` the hand opens midway and the object falls, and the
  expert grasps it again where it fell (what opening a full hand in the air does, which no
  other behaviour shows a world model).
- **place**: lower the object onto the table at the target spot, open, retreat. With
  ``place_miss_probability`` it is put down ``place_miss_offset`` off the target; the expert sees
  it is not placed, grasps it again and puts it where it belongs.

Every waypoint gets Gaussian aiming noise (``aim_noise``, ``yaw_noise``) and the arm sometimes
pauses for a frame (``pause_probability``). With :meth:`ExpertConfig.clean` (no noise, no
perturbation) the same code makes the sub-goal images of a task.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import torch
from scipy.spatial.transform import Rotation

from vjepa_ros.config import param
from vjepa_ros.planning.pose import apply_action
from vjepa_ros.sim.collector import bounded_step
from vjepa_ros.sim.config import check_box
from vjepa_ros.sim.detectors import SuccessMonitor
from vjepa_ros.sim.objects import graspable_spec
from vjepa_ros.sim.panda import FINGER_MAX_OPENING


@dataclasses.dataclass
class ExpertConfig:
    rate_hz: float = param(4.0, "Frames (and commands) per simulated second (DROID: 4).")
    max_step: float = param(0.05, "Largest commanded displacement per frame and axis [m].")
    max_rotation_step: float = param(0.25, "Largest commanded rotation per frame [rad].")
    approach_height: float = param(0.1, "The hand comes down from this high above the grasp [m].")
    grasp_depth: float = param(0.035, "The TCP goes this far below the object's top [m].")
    min_grasp_height: float = param(0.025, "The TCP stays this high above the table [m].")
    lift_height: float = param(0.12, "The grasped object is lifted by this much [m].")
    place_clearance: float = param(0.005, "The object is released this high above the table [m].")
    close_frames: int = param(3, "Frames the hand waits while the fingers close.")
    open_frames: int = param(2, "Frames the hand waits while the fingers open.")
    gripper_effort: float = param(
        20.0, "max_effort [N] of the GripperCommand goals (the planner node's default)."
    )
    aim_noise: float = param(0.004, "Standard deviation [m] of the aiming error per axis.")
    yaw_noise: float = param(0.05, "Standard deviation [rad] of the hand's yaw error.")
    miss_probability: float = param(0.3, "Chance that a grasp's descent is mis-aimed.")
    miss_offset: list[float] = param(
        [0.005, 0.02], "A mis-aimed descent is off, across the closing direction, by half the "
        "object's width that way plus a distance [m] drawn from this range (a finger width: "
        "the fingers close beside the object or on its edge)."
    )
    detour_probability: float = param(0.3, "Chance that a carry goes via a random waypoint.")
    place_miss_probability: float = param(0.15, "Chance that a placement is mis-aimed.")
    place_miss_offset: list[float] = param(
        [0.07, 0.1], "Range [m] of a mis-aimed placement's offset from the target."
    )
    pause_probability: float = param(0.05, "Chance per frame that the arm holds still.")
    fidget_probability: float = param(
        0.2, "Chance that a grasp attempt first shuts the empty hand for a frame above the object."
    )
    drop_probability: float = param(
        0.2, "Chance that a carry opens the hand midway (the object falls), then grasps it again."
    )
    max_regrasps: int = param(2, "Grasp attempts after a miss (and re-placements) allowed.")
    max_frames: int = param(
        120, "The episode ends after this many frames whatever happened (ran_out). The clean "
        "run that makes the sub-goal images has the same limit: a seed it cannot finish gets "
        "no episode (collect skips it, saying so)."
    )
    min_frames: int = param(
        8, "A shorter episode ends holding still until it has this many frames (one training "
        "clip: vjepa-ros train's data.frames_per_clip, 8)."
    )
    detour_region: list[float] = param(
        [0.35, 0.62, -0.2, 0.2, 0.15, 0.35],
        "Box [x_min, x_max, y_min, y_max, z_min, z_max] (m) of detour waypoints.",
    )

    def __post_init__(self):
        check_box("ExpertConfig.detour_region", self.detour_region)
        for name in ("rate_hz", "max_step", "max_rotation_step", "approach_height",
                     "lift_height", "gripper_effort", "max_frames"):
            if not getattr(self, name) > 0:
                raise ValueError(f"ExpertConfig.{name} must be > 0")
        if not 2 <= self.min_frames <= self.max_frames:
            raise ValueError("ExpertConfig.min_frames must lie in [2, max_frames]")
        for name in ("miss_probability", "detour_probability", "place_miss_probability",
                     "pause_probability", "fidget_probability", "drop_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"ExpertConfig.{name} must lie in [0, 1]")
        for name in ("miss_offset", "place_miss_offset"):
            low, high = getattr(self, name)
            if not 0 <= low <= high:
                raise ValueError(f"ExpertConfig.{name} must be [low, high] with 0 <= low <= high")

    def clean(self) -> ExpertConfig:
        """Return the same expert without noise or perturbations (sub-goal images)."""
        return dataclasses.replace(
            self, aim_noise=0.0, yaw_noise=0.0, miss_probability=0.0, detour_probability=0.0,
            place_miss_probability=0.0, pause_probability=0.0, fidget_probability=0.0,
            drop_probability=0.0,
        )


def _within(state: np.ndarray, other: np.ndarray, distance: float, angle: float) -> bool:
    """Whether two states [7] are within ``distance`` [m] and ``angle`` [rad] of each other."""
    relative = Rotation.from_euler("xyz", other[3:6]) * \
        Rotation.from_euler("xyz", state[3:6]).inv()
    return bool(np.linalg.norm(other[:3] - state[:3]) <= distance
                and relative.magnitude() <= angle)


class OutOfFrames(Exception):
    """The episode used up ``max_frames``."""


@dataclasses.dataclass
class Recording:
    """What one expert run recorded, frame by frame (empty lists when not recording)."""

    frames: list[np.ndarray] = dataclasses.field(default_factory=list)  # [H, W, 3] uint8
    states: list[np.ndarray] = dataclasses.field(default_factory=list)  # [7] measured
    times: list[float] = dataclasses.field(default_factory=list)  # [s] sim time
    phases: list[str] = dataclasses.field(default_factory=list)
    gripper_commands: list[float] = dataclasses.field(default_factory=list)  # closedness
    events: list[tuple[int, str]] = dataclasses.field(default_factory=list)  # (frame, what)


class Expert:
    """Runs the scripted expert on a :class:`~vjepa_ros.sim.Sim` with a graspable object.

    ``record``: render and keep a frame per period (else only the physics runs). ``on_milestone``
    is called with a name when the expert reaches a point a sub-goal image can show: "approach"
    (halfway from where the hand was to the pre-grasp pose, open), "pre-grasp"
    (above the object, open), "descend" (around it, open), "closed", "grasp" (held and lifted),
    "carry" (held above the spot), "lower" (on the spot, held), "release" (opened), "place"
    (retreated above the placed object).
    """

    def __init__(self, sim, config: ExpertConfig, rng: np.random.Generator,
                 record: bool = True, on_milestone: Callable[[str], None] | None = None):
        self.sim, self.config, self.rng, self.record = sim, config, rng, record
        # fidgets and drops draw from a child stream, so adding them left the other
        # behaviours' draws (and the episodes without a fidget or a drop) as they were
        self.perturb = rng.spawn(1)[0]
        self.monitor = SuccessMonitor(sim)
        self.spec = graspable_spec(sim.config.scene.graspable)
        self.table = sim.config.scene.table_height
        self.on_milestone = on_milestone or (lambda name: None)
        self.recording = Recording()
        self.count = 0  # periods run
        self.target = sim.target_state()
        self.home = sim.ee_state()

    # -- primitives: one frame per period

    def _period(self, phase: str) -> None:
        if self.count >= self.config.max_frames:
            raise OutOfFrames(f"the expert used up its {self.config.max_frames} frames "
                              f"(ExpertConfig.max_frames) in phase {phase!r}")
        if self.record:
            rec = self.recording
            rec.frames.append(self.sim.render())
            rec.states.append(self.sim.ee_state())
            rec.times.append(self.sim.time)
            rec.phases.append(phase)
            rec.gripper_commands.append(self.sim.gripper_command)
        self.count += 1
        self.sim.set_target(self.target[:3], self.target[3:6])
        self.sim.advance(1.0 / self.config.rate_hz)

    def event(self, what: str) -> None:
        self.recording.events.append((self.count, what))

    def move(self, waypoint: np.ndarray, phase: str, tolerance: float = 0.006,
             halfway: Callable[[], None] | None = None) -> None:
        """Step the target to ``waypoint`` [7] and let the hand arrive.

        The gripper entry of ``waypoint`` is ignored; arrived: within ``tolerance`` [m] and
        0.05 rad (after at most 6 frames of waiting). ``halfway`` is called once, at the first
        frame whose TCP is at most half its starting distance [m] from ``waypoint``.
        """
        cfg = self.config
        waiting = 0
        half = float(np.linalg.norm(self.sim.ee_state()[:3] - waypoint[:3])) / 2
        while True:
            if halfway is not None and np.linalg.norm(
                    self.sim.ee_state()[:3] - waypoint[:3]) <= half:
                halfway()
                halfway = None
            arrived = _within(self.target, waypoint, 1e-4, 1e-3)
            if arrived and _within(self.sim.ee_state(), waypoint, tolerance, 0.05):
                return
            if arrived:
                waiting += 1
                if waiting > 6:
                    return
            elif self.rng.random() >= cfg.pause_probability:
                self.target = bounded_step(self.target, waypoint, cfg.max_step,
                                           cfg.max_rotation_step)
                if _within(self.target, waypoint, 1e-4, 1e-3):
                    self.target[:6] = waypoint[:6]
            self._period(phase)

    def hold(self, frames: int, phase: str) -> None:
        for _ in range(frames):
            self._period(phase)

    def gripper(self, closedness: float, phase: str, frames: int) -> None:
        """Send a GripperCommand (fully closed or open at ``gripper_effort``), wait ``frames``."""
        self.sim.command_gripper((1.0 - closedness) * FINGER_MAX_OPENING,
                                 self.config.gripper_effort)
        self.hold(frames, phase)

    # -- geometry

    def pose(self, xyz, yaw: float = 0.0) -> np.ndarray:
        """Return a state [7]: position ``xyz``, the hand pointing down turned ``yaw`` about z."""
        turn = np.array([0.0, 0.0, 0.0, 0.0, 0.0, yaw, 0.0])
        state = apply_action(torch.from_numpy(self.home), torch.from_numpy(turn)).numpy()
        state[:3] = xyz
        return state

    def grasp_yaw(self, quaternion) -> float:
        """Hand yaw [rad] that closes the fingers across the object's narrow side, in [-π/2, π/2).

        At yaw θ the fingers close along (sin θ, −cos θ) (the hand's y axis); the box's narrow
        side is its x axis, at its yaw ψ: θ = ψ + π/2 modulo π. The cup is round: 0.
        """
        if self.spec.size[0] == self.spec.size[1]:
            return 0.0
        psi = Rotation.from_quat(quaternion).as_euler("xyz")[2]
        return float((psi + np.pi / 2 + np.pi / 2) % np.pi - np.pi / 2)

    def noise(self) -> np.ndarray:
        return self.rng.normal(0.0, self.config.aim_noise, 3) if self.config.aim_noise else \
            np.zeros(3)

    # -- behaviours

    def grasp(self) -> bool:
        """Grasp and lift the object, re-trying after misses; return whether it is held."""
        cfg, table = self.config, self.table
        for attempt in range(cfg.max_regrasps + 1):
            reading = self.monitor.reading()
            top = reading.position[2] + self.spec.height / 2
            grasp_z = max(top - cfg.grasp_depth, table + cfg.min_grasp_height)
            yaw = self.grasp_yaw(reading.quaternion)
            if cfg.yaw_noise:
                yaw += self.rng.normal(0.0, cfg.yaw_noise)
            aim = reading.position.copy()
            aim[2] = grasp_z
            aim += self.noise()
            if self.rng.random() < cfg.miss_probability / (attempt + 1):
                across = np.array([np.cos(yaw), np.sin(yaw), 0.0])  # the hand's x axis
                beyond = self.spec.size[1] / 2 + self.rng.uniform(*cfg.miss_offset)
                aim += across * self.rng.choice([-1, 1]) * beyond
                self.event("mis-aimed descent")
            above = aim + [0.0, 0.0, cfg.approach_height]
            self.move(self.pose(above, yaw), "approach",
                      halfway=lambda: self.on_milestone("approach"))
            if self.perturb.random() < cfg.fidget_probability:
                self.event("empty hand closed and opened")
                self.gripper(1.0, "fidget", 1)
                self.gripper(0.0, "fidget", cfg.open_frames)
            self.on_milestone("pre-grasp")
            self.move(self.pose(aim, yaw), "descend")
            self.on_milestone("descend")
            self.gripper(1.0, "close", cfg.close_frames)
            self.on_milestone("closed")
            self.move(self.pose(aim + [0.0, 0.0, cfg.lift_height], yaw), "lift")
            if self.monitor.grasped():
                if attempt:
                    self.event("re-grasp succeeded")
                self.on_milestone("grasp")
                return True
            self.event("missed grasp")
            self.gripper(0.0, "release", cfg.open_frames)
        return False

    def carry(self, waypoint: np.ndarray, phase: str = "carry") -> bool:
        """Move the held object to ``waypoint`` [7], maybe via a detour or after a drop.

        Returns False when the object was dropped and could not be grasped again (the hand then
        stays where that last attempt left it).
        """
        cfg = self.config
        if self.rng.random() < cfg.detour_probability:
            low, high = np.array(cfg.detour_region[::2]), np.array(cfg.detour_region[1::2])
            self.event("detour")
            self.move(self.pose(self.rng.uniform(low, high), self._yaw()), phase)
        if self.perturb.random() < cfg.drop_probability:
            start = self.target[:3]
            midway = start + (waypoint[:3] - start) * self.perturb.uniform(0.3, 0.7)
            self.move(self.pose(midway, self._yaw()), phase)
            self.event("dropped")
            self.gripper(0.0, "drop", cfg.open_frames)
            if not self.grasp():
                return False
            self.event("picked up again")
        self.move(waypoint, phase)
        return True

    def place(self, target_xy) -> bool:
        """Put the held object down at ``target_xy`` [2], open, retreat; re-place after a miss."""
        cfg = self.config
        target_xy = np.asarray(target_xy, dtype=np.float64)
        for attempt in range(cfg.max_regrasps + 1):
            if attempt and not self.grasp():
                return False
            yaw = self._yaw()
            carry_z = self.sim.ee_state()[2]
            aim = np.array([*target_xy, carry_z]) + self.noise() * [1, 1, 0]
            if self.rng.random() < cfg.place_miss_probability / (attempt + 1):
                angle = self.rng.uniform(-np.pi, np.pi)
                aim[:2] += self.rng.uniform(*cfg.place_miss_offset) * np.array(
                    [np.cos(angle), np.sin(angle)])
                self.event("mis-aimed placement")
            if not self.carry(self.pose(aim, yaw)):
                return False
            self.on_milestone("carry")
            bottom = self.monitor.reading().position[2] - self.spec.height / 2
            down = aim - [0.0, 0.0, bottom - self.table - cfg.place_clearance]
            self.move(self.pose(down, yaw), "lower")
            self.on_milestone("lower")
            self.gripper(0.0, "release", cfg.open_frames)
            self.on_milestone("release")
            self.move(self.pose(down + [0.0, 0.0, cfg.approach_height], yaw), "retreat")
            self.hold(1, "retreat")
            if self.monitor.placed(target_xy):
                if attempt:
                    self.event("re-placement succeeded")
                self.on_milestone("place")
                return True
            self.event("missed placement")
        return False

    def _yaw(self) -> float:
        """Return the commanded hand yaw about the base z axis, relative to home [rad]."""
        relative = Rotation.from_euler("xyz", self.target[3:6]) * \
            Rotation.from_euler("xyz", self.home[3:6]).inv()
        return float(relative.as_rotvec()[2])
