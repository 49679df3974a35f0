"""The planner node's set-point stream: its ticks, their clock and the watchdog (a mixin).

:class:`PlannerStream` is mixed into :class:`vjepa_ros.nodes.planner_node.PlannerNode`: the
stream timer (``control.stream_rate_hz``, on the node's clock) ticks :meth:`_stream_tick`; a
steady-clock watchdog ticks it while that timer stands still (a paused ``/clock``); each tick
publishes the session's ``stream_step`` unless commanding changed since it was computed.
``~/enable`` and the stops of commanding (a failure, shutdown) are
:mod:`vjepa_ros.nodes.planner_commanding`'s. The attributes used (``session``, ``setpoints``,
``command_lock``, ``closing``, ``stream_ticked``, ``stream_watchdog_s``) are set by the node's
``__init__``.
"""

from __future__ import annotations

import time

from vjepa_ros.nodes.planner_commanding import clear_failure

# [s] wall time (at least three stream periods) without a stream tick before the steady clock
# ticks it (``PlannerStream._stream_watchdog``)
STREAM_WATCHDOG_S = 0.5


class PlannerStream:
    """The set-point stream's ticks: from the node's timer, or the steady-clock watchdog."""

    def _stream_clock(self) -> float:
        """Return the stream ticks' time [s]: sim time on it, else steady (breaker50d)."""
        return self.now() if self.get_clock().ros_time_is_active else time.monotonic()

    def _stream_tick(self) -> None:
        """Tick the stream from its timer (the node's clock); the watchdog's mark of it."""
        self.stream_ticked = time.monotonic()
        self._tick_stream()

    def _tick_stream(self) -> None:
        if self.closing:
            return
        try:
            self._stream()
        except Exception as exc:  # noqa: BLE001 - anything unexpected: disable, log, go on
            self._failed("set-point stream", exc)
        else:
            clear_failure(self, "set-point stream")

    def _stream_watchdog(self) -> None:
        """Tick the stream while its timer stood still for ``stream_watchdog_s`` of wall time.

        The stream timer runs on the node's clock; under use_sim_time a stopped ``/clock`` stops
        it, and with it the checks that hold the arm on stale inputs and end a running camera
        check (the frozen clock makes the inputs stale: ``input_checks.FROZEN_CLOCK_S``). On the
        node's standing clock a tick moves no set-point (no time passed). Its own ticks do not
        count as the timer's: it ticks at each of its periods while the timer is late, and not
        once the timer runs again (a simulator slower than real time ticks it itself).
        """
        if time.monotonic() - self.stream_ticked > self.stream_watchdog_s:
            self._tick_stream()

    def _stream(self) -> None:
        """Publish one stream tick's output unless commanding changed since it was computed.

        Its epoch is the one it was computed in (``StreamOutput.commanding_epoch``, read under
        the session's lock with the set-point), bumped by an enable and by every stop of the
        stream (a disable, a new world: breaker46p), not by a void of running plans that keeps
        the stream going (a clock step back voided a set-point computed wholly before or after
        it: a zero twist mid-motion, fix46d, breaker46n).
        """
        out = self.session.stream_step()
        # under the lock a disable takes (~/enable, a failure): a moving twist computed before
        # a disable is not published after its zero twist (review32), also when an enable
        # followed it before this publish (the epoch moved: breaker44s); None (disabled, held,
        # deactivated): a moving servo_twist ends with one zero twist
        with self.command_lock:
            current = out is not None and self.session.enabled and (
                self.session.commanding_epoch == out.commanding_epoch)
            self.setpoints.publish(out if current else None)
