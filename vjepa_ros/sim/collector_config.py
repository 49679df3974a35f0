"""Settings of the scripted episodes ``vjepa-ros collect`` records (``collector.py``).

Kept apart from the collector (pybullet, torch) so that ``collect`` and ``record`` check their
options before the simulator is loaded.
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.config import param
from vjepa_ros.sim.config import check_box


@dataclasses.dataclass
class CollectorConfig:
    frames: int = param(16, "Frames per episode.")
    rate_hz: float = param(4.0, "Frame rate [Hz] (DROID and V-JEPA 2-AC: 4).")
    workspace: list[float] = param(
        [0.3, 0.7, -0.3, 0.3, 0.08, 0.5],
        "Box [x_min, x_max, y_min, y_max, z_min, z_max] (m) that waypoints are drawn from.",
    )
    max_step: float = param(0.05, "Largest commanded displacement per frame and axis [m].")
    max_rotation_step: float = param(0.15, "Largest commanded rotation per frame [rad].")
    max_tilt: float = param(0.25, "Largest roll/pitch of a waypoint about the start [rad].")
    max_yaw: float = param(0.6, "Largest yaw of a waypoint about the start [rad].")
    gripper_toggle_probability: float = param(0.1, "Chance per frame that the gripper toggles.")
    pause_probability: float = param(0.1, "Chance per frame that the arm holds still.")

    def __post_init__(self):
        if self.frames < 2:
            raise ValueError(f"CollectorConfig.frames must be >= 2, got {self.frames}")
        if not self.rate_hz > 0:
            raise ValueError(f"CollectorConfig.rate_hz must be > 0, got {self.rate_hz}")
        check_box("CollectorConfig.workspace", self.workspace)
        for name in ("max_step", "max_rotation_step"):
            if not getattr(self, name) > 0:
                raise ValueError(f"CollectorConfig.{name} must be > 0")
        for name in ("gripper_toggle_probability", "pause_probability"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"CollectorConfig.{name} must lie in [0, 1]")
