"""The arm's own motion as :class:`~vjepa_ros.robot.jump_watch.JumpWatch` remembers it.

Its states (no jump) sampled each :data:`SAMPLE_S`, its velocity before now, and the
acceleration rule (``accel_rule.outran``) a state is judged by. ROS-free; numpy only.
"""

from __future__ import annotations

import typing

import numpy as np

from vjepa_ros.robot.accel_rule import PAIR_MIN_S, VELOCITY_BASELINE_S, outran
from vjepa_ros.robot.state_ranges import MAX_TCP_ACCEL_M_S2, MAX_TCP_ANGULAR_ACCEL_RAD_S2
from vjepa_ros.robot.tcp_quaternions import _angle, _inverse, _product, _rotation_vector

SAMPLE_S = 0.01  # [s] the arm's states are remembered at most this often
SAMPLES = 128  # ... this many (1.28 s: states stamped up to NEW_WORLD_S back find their time)


class _Sample(typing.NamedTuple):
    """One of the arm's own states (no jump), as :class:`JumpWatch` remembers it."""

    time: float  # [s] its time: the stamp, plus arrival gaps within a repeated coarse stamp
    stamp: float  # [s] its stamp
    xyz: np.ndarray  # [3] m
    turn: np.ndarray  # [4] quaternion (w, x, y, z)
    run: int  # the run of states between jumps it belongs to


class JumpMotion:
    """JumpWatch's memory of the arm's own states: the pose held, samples, velocity, kicks.

    A mixin of :class:`~vjepa_ros.robot.jump_watch.JumpWatch`, whose ``__init__`` sets the
    state these methods read and write (``_samples``, ``_newest``, ``_run``, ``_run_start``,
    ``_began``, ``_refresh``, ``_first_pose``); they run on its state callback.
    """

    def _note_change(self, xyz: np.ndarray, turn: np.ndarray, last: tuple,
                     time: float) -> tuple[float, float, tuple | None, bool]:
        """Note whether the pose changed since ``last``; return ``accel_rule.refreshing``'s input.

        Returns (how long ``last``'s pose was held [s], 0.0 when it was no repeat; the time [s]
        from that pose's first state to this one at ``time``; that pose's own change from the
        pose before it, None unless that one was held too; whether ``last``'s pose was the
        stream's first).
        """
        first = self._first_pose
        if np.array_equal(xyz, last[1]) and np.array_equal(turn, last[3]):
            return 0.0, 0.0, self._refresh, first
        began = self._began or (last[4], last[1], last[3])
        hold = last[4] - began[0]
        previous = self._refresh
        self._refresh = (xyz - began[1], _rotation_vector(_product(turn, _inverse(began[2]))),
                         time - began[0]) if hold > 0.0 else None
        self._began, self._first_pose = (time, xyz, turn), False
        return hold, time - began[0], previous, first

    def _remember(self, sample: _Sample) -> None:
        """Keep the arm's own state: the newest always, one each :data:`SAMPLE_S` besides."""
        newest = self._newest
        if newest is None or newest.run != sample.run:
            self._run_start = sample.time
        self._newest = sample
        samples = self._samples
        if not samples or sample.time - samples[-1].time >= SAMPLE_S or \
                samples[-1].run != sample.run:
            samples.append(sample)

    def _kicked(self, xyz: np.ndarray, turn: np.ndarray, interval: float, last: tuple) -> str:
        """Say why a state left the arm's own motion faster than an arm accelerates ("": not).

        The step from ``last`` over ``interval`` [s] against the arm's velocities of the last
        :data:`VELOCITY_BASELINE_S` (``accel_rule.outran``): each between two remembered states
        at least ``accel_rule.PAIR_MIN_S`` apart (at least the latest pair), so a pose
        republished from a slower source (steps of a few messages' worth: breaker41g) or one
        jittered stamp (41i) reads the arm's motion. Judged only once the run of the arm's own
        states (no jump) has lasted :data:`VELOCITY_BASELINE_S`: after a jump, or at the start,
        its motion is not known yet (a cached stream's repeats read 0 m/s: 41g).
        """
        newest, start = self._newest, self._run_start
        if newest is None or newest.stamp != last[0] or newest.run != self._run or \
                start is None or newest.time - start < VELOCITY_BASELINE_S:
            return ""
        states = [sample for sample in self._samples if sample.run == self._run]
        if not states or states[-1] is not newest:
            states.append(newest)
        pairs = [(a, b) for a, b in zip(states, states[1:], strict=False)
                 if b.time - a.time >= PAIR_MIN_S and b.time >= newest.time - VELOCITY_BASELINE_S]
        if not pairs:
            earlier = [a for a in states if newest.time - a.time >= PAIR_MIN_S]
            if not earlier:
                return ""
            pairs = [(earlier[-1], newest)]
        velocities = [(b.xyz - a.xyz) / (b.time - a.time) for a, b in pairs]
        spins = [_rotation_vector(_product(b.turn, _inverse(a.turn))) / (b.time - a.time)
                 for a, b in pairs]
        moved, turned = float(np.linalg.norm(xyz - last[1])), _angle(last[3], turn)
        part = outran(xyz - last[1], _rotation_vector(_product(turn, _inverse(last[3]))),
                      interval, velocities, spins)
        if part == "position":
            return (f"jumps {moved:.3f} m in {interval * 1e3:.0f} ms, away from the arm's motion "
                    f"(at most {max(np.linalg.norm(v) for v in velocities):.2f} m/s) faster than "
                    f"an arm accelerates ({MAX_TCP_ACCEL_M_S2:g} m/s²)")
        if part == "orientation":
            return (f"turns {turned:.2f} rad in {interval * 1e3:.0f} ms, away from the arm's turn "
                    f"(at most {max(np.linalg.norm(w) for w in spins):.2f} rad/s) faster than an "
                    f"arm accelerates ({MAX_TCP_ANGULAR_ACCEL_RAD_S2:g} rad/s²)")
        return ""

    def _velocity(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the arm's own velocity [3] m/s and angular velocity [3] rad/s before now.

        Over the newest run's states (no jump between): from the newest to the latest one at
        least :data:`VELOCITY_BASELINE_S` older (else the run's oldest), so that one step's
        jittered stamp or a driver repeating its cached pose reads the arm's speed, not 0 or
        1.7× it (breaker41a). Zero without two such states.
        """
        newest = self._newest
        none = (np.zeros(3), np.zeros(3))
        if newest is None or newest.run != self._run:
            return none
        base = None
        for sample in reversed(self._samples):
            if sample.run != newest.run:
                break
            base = sample
            if newest.time - sample.time >= VELOCITY_BASELINE_S:
                break
        if base is None or newest.time - base.time <= 0.0:
            return none
        span = newest.time - base.time
        turn = _rotation_vector(_product(newest.turn, _inverse(base.turn)))
        return (newest.xyz - base.xyz) / span, turn / span
