"""How long a simulated episode waits for the session's next command before it gives up.

ROS-free. ``sim.reach.run_reach_episode`` raises ``ReachError`` ("nothing commanded") when the
session commanded nothing for :func:`quiet_limit_s` simulated seconds with no hold said: a
session that silently stopped. The limit is what a working session may legitimately spend
between two commands: the set-point's travel of the longest step the safety filter lets out,
``control.arrival_timeout_s`` after it comes to rest (the session's own wait for the arm),
``control.settle_s``, two plans (one discarded, the next commanded) and :data:`SLACK_S`. Fixed
at ``arrival_timeout_s`` + 5 s it ended a working episode: a step at ``safety.max_speed_m_s``
0.004 travels ~19 s, and with a ViT-g's ~16 s plans (``--planning-s 16``) one discarded plan
was past it (fix57d).
"""

from __future__ import annotations

from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.robot.safety import SafetyLimits

SLACK_S = 5.0  # [s] camera frames, the settling of the hand, a stream tick's rounding


def travel_s(limits: SafetyLimits) -> float:
    """Return the longest a step's set-point travels [s]: its translation or its turn.

    ``max_step_m`` at ``max_speed_m_s`` plus the time of the speed ramps up and down
    (``max_speed_m_s / max_accel_m_s2``); the same for ``max_rotation_step_rad`` at the angular
    limits. An upper bound of ``targets.SetpointStreamer``'s motion from rest.
    """
    moving = limits.max_step_m / limits.max_speed_m_s + \
        limits.max_speed_m_s / limits.max_accel_m_s2
    turning = limits.max_rotation_step_rad / limits.max_angular_speed_rad_s + \
        limits.max_angular_speed_rad_s / limits.max_angular_accel_rad_s2
    return max(moving, turning)


def quiet_limit_s(control: ControlConfig, limits: SafetyLimits, plan_s: float) -> float:
    """Return the simulated seconds [s] a session may command nothing before the episode ends.

    ``plan_s`` [s]: the longest simulated time one plan took so far (``--planning-s``, or the
    measured wall time with ``real_time``; 0 when planning is free). See the module docstring.
    """
    return travel_s(limits) + control.arrival_timeout_s + control.settle_s + 2.0 * plan_s + \
        SLACK_S
