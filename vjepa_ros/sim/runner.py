"""Run a :class:`Sim` as a robot and camera do: control ticks, frames at a rate, checked commands.

Commands are checked before they move anything; a refused one raises :class:`CommandError` and
the arm keeps its previous target. ROS-free; ``nodes/sim_node.py`` wraps it.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import numpy as np

from vjepa_ros.config import param
from vjepa_ros.robot.base_frame import frame_matches
from vjepa_ros.sim.config import SimConfig
from vjepa_ros.sim.frame_clock import FrameClock
from vjepa_ros.sim.panda import BASE_FRAME

if TYPE_CHECKING:
    from vjepa_ros.sim.tasks import Goal

# The simulator (pybullet, torch: seconds) is imported where a runner first needs it, so that
# sim_node refuses a bad parameter (RunnerConfig, SimConfig) before loading it.


class CommandError(ValueError):
    """A command the simulated controller refuses (the arm keeps its previous target)."""


@dataclasses.dataclass
class RunnerConfig:
    control_rate_hz: float = param(
        60.0, "Ticks per simulated second: physics steps between ticks, joint_states each tick; "
        "a whole fraction of sim.physics_hz (240 Hz: 240, 120, 80, 60, 48, 40, ...).",
        range=(0, 1000), low_open=True
    )
    camera_rate_hz: float = param(
        10.0, "Camera frames per simulated second, at most the control tick rate (a frame is "
        "rendered on the first tick at or after it is due; the rate holds on average).",
        range=(0, 1000), low_open=True
    )
    base_frame: str = param(
        BASE_FRAME, "Frame of target poses and published poses (a ROS frame id; a leading '/' "
        "on either side is ignored, as the planner's robot.base_frame).", frame_id="required"
    )
    max_target_distance: float = param(
        0.5, "Targets farther than this [m] from the current TCP are refused; 0 accepts any.",
        range=(0, 10)
    )


def steps_per_tick(physics_hz: float, control_rate_hz: float) -> int:
    """Return the physics steps per control tick: ``physics_hz / control_rate_hz``, rounded."""
    return max(1, round(physics_hz / control_rate_hz))


def check_rates(config: RunnerConfig, physics_hz: float) -> None:
    """Raise ValueError naming the rate when the ticks cannot give it (before pybullet loads).

    ``control_rate_hz`` at most ``physics_hz`` and a whole fraction of it (within 1 %: 100 Hz on
    240 Hz physics would tick at 120 Hz, publishing joint_states at a rate nobody asked for);
    ``camera_rate_hz`` at most the tick rate (the camera renders at most once per tick: 100 Hz on
    60 Hz ticks would give 60 Hz).
    """
    control, camera = config.control_rate_hz, config.camera_rate_hz
    if not control > 0 or not camera > 0:
        raise ValueError(f"control_rate_hz and camera_rate_hz must be > 0, got {control}, "
                         f"{camera}")
    if control > physics_hz:
        raise ValueError(f"control_rate_hz {control:g} exceeds sim.physics_hz {physics_hz:g}")
    steps = steps_per_tick(physics_hz, control)
    ticks = physics_hz / steps
    if abs(ticks - control) > 0.01 * control:  # a whole number of physics steps per tick
        ratio = physics_hz / control  # the two whole fractions around the asked rate
        rates = sorted({physics_hz / max(1, math.floor(ratio)), physics_hz / math.ceil(ratio)})
        raise ValueError(f"control_rate_hz {control:g} is no whole fraction of sim.physics_hz "
                         f"{physics_hz:g}: the ticks would run at {ticks:g} Hz ({steps} physics "
                         f"steps each); set control_rate_hz to "
                         f"{' or '.join(f'{rate:g}' for rate in rates)} (sim.physics_hz / "
                         "a whole number), or change sim.physics_hz")
    if camera > ticks + 1e-9:
        # every digit where %g would show the two rates alike (60.0000001 beside 60)
        asked = f"{camera:g}" if f"{camera:g}" != f"{ticks:g}" else repr(float(camera))
        raise ValueError(f"camera_rate_hz {asked} exceeds the control tick rate {ticks:g} Hz "
                         f"(control_rate_hz {control:g}): a frame per tick at most; set "
                         f"camera_rate_hz <= {ticks:g} or raise control_rate_hz")


class SimRunner:
    """Tick a simulator and validate the commands it receives."""

    def __init__(self, sim_config: SimConfig | None = None, config: RunnerConfig | None = None):
        self.config = config or RunnerConfig()
        sim_config = sim_config or SimConfig()
        check_rates(self.config, sim_config.physics_hz)
        from vjepa_ros.sim.sim import Sim

        self.sim = Sim(sim_config)
        self.steps_per_tick = steps_per_tick(sim_config.physics_hz, self.config.control_rate_hz)
        self.tick_seconds = self.steps_per_tick * self.sim.dt
        self.frames = FrameClock(self.config.camera_rate_hz, start=self.sim.time)

    def tick(self) -> bool:
        """Advance one control tick; return whether a camera frame is due now.

        Frame ``n`` (from 0 after a reset) is due at ``n / camera_rate_hz`` s of simulated time
        and goes out on the first tick at or after that (``frame_clock.py``): the phase is kept,
        so the frames come at the rate on average (25 Hz on 60 Hz ticks: 2 or 3 ticks apart).
        """
        self.sim.step(self.steps_per_tick)
        return self.frames.due(self.sim.time)

    def self_collision_warning(self) -> str | None:
        """Say the self-collision stop that began since the last call, naming its target; or None.

        ``target pose [-0.100, 0.100, 0.300] refused: panda_hand would come within 2.9 cm of
        panda_link2 (self-collision margin 3 cm); the arm holds where it stopped: send a target
        clear of the arm`` (``Sim.step`` holds the arm; see ``sim/self_collision.py``).
        """
        stop = self.sim.pop_self_collision()
        if stop is None:
            return None
        where = ", ".join(f"{value:.3f}" for value in self.sim.target_position)
        return (f"target pose [{where}] refused: {stop.text()}; the arm holds where it stopped: "
                "send a target clear of the arm")

    def reset(self, seed: int | None = None) -> None:
        self.sim.reset(seed)
        self.frames.restart(self.sim.time)

    def parse_pose(self, position, quaternion_xyzw, frame_id: str = ""):
        """Return (position [3], rotation [3, 3]) of a pose message's fields or raise."""
        if frame_matches(frame_id, self.config.base_frame) is False:  # the planner's rule
            raise CommandError(
                f"target pose is in frame '{frame_id}', expected '{self.config.base_frame}'"
            )
        from vjepa_ros.sim.sim import quaternion_to_matrix

        try:
            position = np.asarray(position, dtype=np.float64)
            rotation = quaternion_to_matrix(quaternion_xyzw)
            if position.shape != (3,) or not np.isfinite(position).all():
                raise ValueError(f"target position must be 3 finite numbers: {position}")
        except ValueError as exc:
            raise CommandError(f"target pose refused: {exc}") from exc
        return position, rotation

    def command_pose(self, position, quaternion_xyzw, frame_id: str = "") -> None:
        """Accept a TCP target pose (PoseStamped fields) or raise :class:`CommandError`."""
        position, rotation = self.parse_pose(position, quaternion_xyzw, frame_id)
        limit = self.config.max_target_distance
        distance = float(np.linalg.norm(position - self.sim.ee_pose()[0]))
        if limit > 0 and distance > limit:
            raise CommandError(
                f"target pose refused: {distance:.3f} m from the hand (max_target_distance "
                f"{limit} m)"
            )
        self.sim.target_position, self.sim.target_rotation = position, rotation

    def command_gripper(self, closedness: float) -> None:
        """Accept a gripper closedness (clipped to [0, 1]) or raise CommandError for NaN/inf."""
        if not math.isfinite(float(closedness)):
            raise CommandError(f"gripper command refused: {closedness!r} is not finite")
        self.sim.set_gripper(closedness)

    def command_gripper_goal(self, position: float, max_effort: float):
        """Accept a ``control_msgs/GripperCommand`` or raise CommandError.

        ``position`` [m per finger] = width / 2, ``max_effort`` [N] (``sim/gripper.py``); returns
        the goal as applied.
        """
        try:
            return self.sim.command_gripper(position, max_effort)
        except ValueError as exc:
            raise CommandError(f"gripper command refused: {exc}") from exc

    def goal_for_pose(self, position, quaternion_xyzw, frame_id: str = "") -> Goal:
        """Render the goal image of a TCP pose (move there, capture, come back)."""
        from vjepa_ros.sim.sim_readings import matrix_to_euler
        from vjepa_ros.sim.tasks import capture_goal

        position, rotation = self.parse_pose(position, quaternion_xyzw, frame_id)
        target = np.concatenate([position, matrix_to_euler(rotation), [self.sim.gripper_command]])
        return capture_goal(self.sim, target)

    def close(self) -> None:
        self.sim.close()
