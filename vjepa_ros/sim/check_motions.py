"""The camera check's motions on the simulated arm: frames and states before and after each.

A stand-in for the planner node's live check (``robot/camera_check_motions.py`` gives the same
±x, ±y, ±z out-moves, checked by the safety filter); here the simulator's own controller
(``Sim.move_to``) executes them. Used by the camera check benchmark and tests.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, check_motions
from vjepa_ros.robot.safety import SafetyLimits


@dataclasses.dataclass
class MotionRecord:
    """Frames [N, H, W, 3] uint8 and measured states [N, 7] before and after each out-move."""

    labels: list[str]
    befores: np.ndarray
    before_states: np.ndarray
    afters: np.ndarray
    after_states: np.ndarray

    @property
    def executed(self) -> np.ndarray:
        """Executed Δxyz [N, 3] in the base frame (measured)."""
        return self.after_states[:, :3] - self.before_states[:, :3]


def run_check_motions(sim, limits: SafetyLimits | None = None,
                      config: CheckMotionConfig | None = None) -> MotionRecord:
    """Move the simulated hand through the check's motions from where it is; back at the end."""
    config = config or CheckMotionConfig()
    settle = max(1, round(config.settle_s * sim.config.physics_hz))
    start = sim.ee_state()
    record = MotionRecord([], [], [], [], [])
    for motion in check_motions(start, limits or SafetyLimits(), config):
        sim.move_to(motion.start, timeout=config.timeout_s)
        sim.step(settle)
        record.befores.append(sim.render())
        record.before_states.append(sim.ee_state())
        sim.move_to(motion.target, timeout=config.timeout_s)
        sim.step(settle)
        record.afters.append(sim.render())
        record.after_states.append(sim.ee_state())
        record.labels.append(motion.label)
    sim.move_to(start, timeout=config.timeout_s)
    return MotionRecord(record.labels, np.stack(record.befores), np.stack(record.before_states),
                        np.stack(record.afters), np.stack(record.after_states))
