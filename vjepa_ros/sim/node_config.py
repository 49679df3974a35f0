"""The simulator node's settings (``SimNodeConfig``), checked without ROS.

``nodes/sim_node.py`` declares them as its ROS parameters (``config/sim.yaml``); here they are
checked as the node does at start-up (:meth:`SimNodeConfig.check`), so tools and tests need no
rclpy. The stepping timer's period is one a ROS timer keeps (``timer_period.py``).
"""

from __future__ import annotations

import dataclasses

from vjepa_ros.config import param
from vjepa_ros.sim.config import REAL_TIME_FACTOR, SimConfig
from vjepa_ros.sim.pace import SIM_TIME_WAYS
from vjepa_ros.sim.runner import RunnerConfig, check_rates, steps_per_tick
from vjepa_ros.timer_period import MAX_TIMER_PERIOD_S, check_period, lowest

FLAT_OUT_ON_WALL_CLOCK = (
    "real_time_factor 0 (as fast as the CPU allows) needs publish_clock true: with wall-clock "
    "stamps the simulation is stamped at the CPU's pace, not its own (the arm reads faster or "
    f"slower than it moves); run on simulated time {SIM_TIME_WAYS} or give a real_time_factor "
    "> 0")


def scaled_on_wall_clock(real_time_factor: float) -> str:
    """Return the refusal of ``real_time_factor`` (not 0 or 1) without ``publish_clock``.

    On wall-clock stamps each tick would be stamped with the wall time it stands for, 1 /
    ``real_time_factor`` ticks apart (breaker60e): the arm reads slower (< 1) or faster (> 1)
    than it moves, a camera at another rate than its own, and the planner's input ages count
    wall seconds. Stamped with start + simulated time instead, the stamps would drift from the
    wall clock every other node reads, and a planner would refuse them as stale (or from the
    future) within seconds: simulated time (``/clock``) is the one clock true to both.
    """
    pace = "slower" if real_time_factor < 1 else "faster"
    return (f"real_time_factor {real_time_factor:g} needs publish_clock true: with wall-clock "
            f"stamps each tick would be stamped {1 / real_time_factor:g} ticks apart (the arm "
            f"reads {pace} than it moves, the camera at another rate); run on simulated time "
            f"{SIM_TIME_WAYS}, or give real_time_factor 1 on the wall clock")


@dataclasses.dataclass
class SimNodeConfig(SimConfig, RunnerConfig):
    """The simulator's settings (``seed``, ``camera.width``, ...) plus the node's own."""

    real_time_factor: float = param(
        1.0, "Simulated seconds per wall-clock second, 0..100; 0 runs as fast as the CPU allows; "
        "anything but 1 only with publish_clock (refused on wall-clock stamps).",
        range=REAL_TIME_FACTOR
    )
    publish_clock: bool = param(
        False, "Publish /clock with the simulated time and stamp messages with it (then run the "
        "other nodes with use_sim_time:=true)."
    )
    camera_frame_id: str = param("camera_color_optical_frame", "header.frame_id of the images "
                                 "(a ROS frame id).", frame_id="required")

    def check(self) -> SimNodeConfig:
        """Refuse an impossible setting (:meth:`SimConfig.check`, then the rates); return self.

        ValueError also for ``real_time_factor`` 0 without ``publish_clock``
        (:data:`FLAT_OUT_ON_WALL_CLOCK`), any other but 1 without it
        (:func:`scaled_on_wall_clock`: stamps only simulated time keeps true), and for a
        stepping timer's period longer than a ROS timer keeps (``control_rate_hz`` 1e-300,
        ``real_time_factor`` 1e-12: ``timer_period``).
        """
        super().check()
        check_rates(self, self.physics_hz)  # camera_rate_hz at most the tick rate
        if self.real_time_factor == 0 and not self.publish_clock:
            raise ValueError(FLAT_OUT_ON_WALL_CLOCK)
        self._check_timer()  # before the clock: 1e-12 is named as too long a period
        if self.real_time_factor != 1 and not self.publish_clock:
            raise ValueError(scaled_on_wall_clock(self.real_time_factor))
        return self

    def _check_timer(self) -> None:
        """Refuse a stepping timer period longer than a ROS timer keeps (``timer_period``).

        The tick (``control_rate_hz``), then its wall-clock time (over ``real_time_factor``).
        """
        tick = steps_per_tick(self.physics_hz, self.control_rate_hz) / self.physics_hz  # [s]
        rtf = self.real_time_factor
        check_period("control_rate_hz", self.control_rate_hz, tick,
                     f"{lowest(1 / MAX_TIMER_PERIOD_S):g} Hz or more")
        if rtf > 0:
            check_period("real_time_factor", rtf, tick / rtf,
                         f"{lowest(tick / MAX_TIMER_PERIOD_S):g} or more with publish_clock "
                         "(or 0 with it, as fast as the CPU allows)")
