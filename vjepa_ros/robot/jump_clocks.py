"""States on another clock, out of order or coarsely stamped, as the jump rule tells them.

Part of :class:`~vjepa_ros.robot.jump_watch.JumpWatch` (its class docstring: **Time**, **Out of
order**). ROS-free; numpy only.
"""

from __future__ import annotations

import bisect
import statistics
import typing

import numpy as np

from vjepa_ros.robot.clock_steps import CLOCK_FALL_MIN_S, wall_clock_stepped
from vjepa_ros.robot.jump_motion import _Sample
from vjepa_ros.robot.jump_verdicts import jump_words
from vjepa_ros.robot.state_ranges import (
    MAX_TCP_ANGULAR_SPEED_RAD_S,
    MAX_TCP_SPEED_M_S,
    ORIENTATION_JUMP_SLACK_RAD,
    TCP_JUMP_SLACK_M,
)
from vjepa_ros.robot.tcp_quaternions import _angle

# A state whose stamp ran this much further ahead of the newest than its arrival did, and jumped
# over its arrival gap, or one stamped over NEW_WORLD_S back, is on another clock (breaker41d)
# unless the stream's states come on that clock alone for ADOPT_S (a bag looped, a simulator
# restarted, a clock stepped): then it is the stream's clock, a new world.
LEAP_S = 0.25  # [s]
ADOPT_S = 0.5  # [s] of arrivals
# A clock stepped back under the arm is taken when this many of its states, over this long in
# arrivals, continued the arm with none of the old clock's between (JumpClocks._restamp).
STEP_STATES = 3
STEP_S = 0.05  # [s]


class _Step(typing.NamedTuple):
    """A clock stepped back under the arm, awaiting its confirmation (``JumpClocks._restamp``)."""

    step: float  # [s] how far back, as first seen: the newest's stamp + arrival gap - its stamp
    since: float  # [s] the arrival of its first state
    stamp: float  # [s] its latest state's stamp (on the watch's clock)
    arrival: float  # [s] its latest state's arrival
    xyz: np.ndarray  # [3] m, its latest state's position
    turn: np.ndarray  # [4] quaternion, its latest state's orientation
    states: int  # its states so far


def _excess(xyz: np.ndarray, turn: np.ndarray, near_xyz: np.ndarray, near_turn: np.ndarray,
            interval: float) -> tuple[float, float, float]:
    """Return how far a pose is beyond the jump limits from another ``interval`` [s] apart.

    (excess: the larger of [m] past ``MAX_TCP_SPEED_M_S`` x interval + ``TCP_JUMP_SLACK_M`` and
    [rad] past the angular ones, 0 or less: no jump; moved [m]; turned [rad]).
    """
    moved = float(np.linalg.norm(xyz - near_xyz))
    turned = _angle(near_turn, turn)
    return max(moved - MAX_TCP_SPEED_M_S * interval - TCP_JUMP_SLACK_M,
               turned - MAX_TCP_ANGULAR_SPEED_RAD_S * interval
               - ORIENTATION_JUMP_SLACK_RAD), moved, turned


class JumpClocks:
    """JumpWatch's judgement of a state's stamp: another clock, out of order, coarse stamps.

    A mixin of :class:`~vjepa_ros.robot.jump_watch.JumpWatch`: reads its ``NEW_WORLD_S``,
    ``REPEAT_S``, ``STALL_FACTOR`` and the state its ``__init__`` sets
    (``_last``, ``_intervals``, ``_samples``, ``_newest``, ``_run``, ``_elsewhere_since``,
    ``_shift``, ``_stepped``, ``_arrived``).
    """

    def _take_fall(self, stamp: float, fall: float, last: tuple | None) -> None:
        """Take a wall clock stepped back under the arm at once, before :meth:`_restamp`.

        ``fall`` [s]: how far the node's system clock went back since the previous state
        arrived (``clock_steps.system_clock_offset``'s fall); ``stamp`` [s]: the state's own;
        ``last``: the newest state (None: none yet, nothing to take). Stamps that went back
        with it (``clock_steps.wall_clock_stepped``) move forward by ``fall`` from now on
        (``_shift``), and a step awaiting its confirmation is dropped (breaker55l).
        """
        if fall > CLOCK_FALL_MIN_S and last is not None:
            back = last[0] - (stamp + self._shift)
            if back > CLOCK_FALL_MIN_S and wall_clock_stepped(back, fall):
                self._shift, self._stepped = self._shift + fall, None

    def _restamp(self, xyz: np.ndarray, turn: np.ndarray, stamp: float, arrival: float | None,
                 last: tuple | None) -> tuple[float, str | None, bool, bool]:
        """Judge a state (xyz [3] m, quaternion [4]) against a clock stepped back under the arm.

        ``stamp`` [s]: on the watch's clock (the stamp plus ``_shift``). Returns (its stamp on
        the watch's clock, the verdict, whether to start afresh at it, whether it is behind);
        the verdict is None to judge the state on (in order, or beyond :data:`NEW_WORLD_S`
        back: the clock rules'), else "" or :meth:`_out_of_order`'s (nothing else changes).
        Behind: the state is one the watch does not take in order (its verdict given here, or
        another clock's; ``jump_verdicts.Verdict.behind``).

        A state stamped before the newest ``last`` that continues it over their arrival gap
        (within the jump limits over the time since the newest arrived; the state right after
        it, also after a burst's gap or a stall, else at a gap within :data:`STALL_FACTOR` of
        the median: states refused between do not widen it) may be the arm's own on stamps
        that stepped back (a wall clock stepped by chrony/ntpd ``makestep`` or PTP, a stamp
        jittered late; judged by stamp alone, the newest stayed the reference and a step under
        a moving arm read as a jump of its speed times the step, never undone: breaker53a;
        fix53a's test of a usual gap alone failed at a burst or a stall: breaker53i). The step
        is taken only when the states after it confirm it (:data:`STEP_STATES` states and
        :data:`STEP_S` of arrivals, each continuing the one before on the stepped clock, none
        of the old clock between: a state is the clock's whose latest state foretells its
        stamp, by their arrival gap, better):
        the stamps from then on move forward by the step as first seen (``_shift``), so that
        state sits as far after the newest as it arrived; a step beyond :data:`NEW_WORLD_S`
        starts afresh. Until then its states pass ("") within :data:`NEW_WORLD_S`, changing
        nothing, and are refused beyond it (:meth:`_elsewhere`). States of two clocks that
        alternate (a relay of the arm's states 0.2 s late, a second publisher on a clock
        behind) never confirm a step: each is judged against the arm's own states at its stamp
        (:meth:`_out_of_order`), and ``_shift`` grows by no switch (a step taken at once
        widened the next own state's interval by the lag, per switch: a 0.5 m teleport
        hidden, a glitch passed; breaker53i).
        """
        stepped, self._stepped = self._stepped, None
        previous, self._arrived = self._arrived, arrival
        if stepped is not None and last is not None and arrival is not None and \
                self._on_step(stamp, arrival, last, stepped):
            interval = max(0.0, stamp - stepped.stamp, arrival - stepped.arrival)
            if stamp >= stepped.stamp - self.REPEAT_S and \
                    _excess(xyz, turn, stepped.xyz, stepped.turn, interval)[0] <= 0:
                stepped = stepped._replace(stamp=stamp, arrival=arrival, xyz=xyz, turn=turn,
                                           states=stepped.states + 1)
                if stepped.states < STEP_STATES or arrival - stepped.since < STEP_S:
                    return self._await_step(stepped, stamp, last)
                if stepped.step > self.NEW_WORLD_S:
                    self._elsewhere_since = None
                    return stamp, None, True, False
                self._shift += stepped.step
                return stamp + stepped.step, None, False, False
        if last is None or stamp >= last[0] - self.REPEAT_S:
            return stamp, None, False, False
        gap = None if arrival is None or last[2] is None else arrival - last[2]
        usual = self._usual_gap()
        # right after the newest (a burst's gap, a stall), or at a usual gap: not widened by
        # states refused since (a looping bag's states refused for ADOPT_S)
        if gap is not None and gap >= 0.0 and (previous == last[2] or usual is not None and
                                                gap <= self.STALL_FACTOR * usual) and \
                _excess(xyz, turn, last[1], last[3], gap)[0] <= 0:
            return self._await_step(_Step(last[0] + gap - stamp, arrival, stamp, arrival, xyz,
                                          turn, 1), stamp, last)
        if stamp < last[0] - self.NEW_WORLD_S:
            return stamp, None, False, True
        self._elsewhere_since = None
        return stamp, self._out_of_order(xyz, turn, stamp, last[0]), False, True

    def _await_step(self, stepped: _Step, stamp: float, last: tuple) -> tuple:
        """Keep ``stepped`` awaiting its confirmation; return ``_restamp``'s answer meanwhile."""
        self._stepped = stepped
        if stamp < last[0] - self.NEW_WORLD_S:
            return stamp, None, False, True  # another clock's, for _elsewhere to refuse
        self._elsewhere_since = None
        return stamp, "", False, True

    @staticmethod
    def _on_step(stamp: float, arrival: float, last: tuple, stepped: _Step) -> bool:
        """Whether a state stamped ``stamp`` [s] is on ``stepped``'s clock, not ``last``'s.

        The clock whose latest state, moved on by the arrival gap since it, is nearer.
        """
        if last[2] is None:
            return True
        return abs(stamp - stepped.stamp - (arrival - stepped.arrival)) < \
            abs(stamp - last[0] - (arrival - last[2]))

    def _elsewhere(self, xyz: np.ndarray, turn: np.ndarray, stamp: float, arrival: float,
                   last: tuple) -> str | None:
        """Judge a state by its clock against the newest ``last`` (class docstring).

        Returns None when it is on the stream's clock, "" when the stream's clock changed (its
        states on the other one alone for :data:`ADOPT_S`: start afresh at it), else why it
        is refused.
        """
        back = last[0] - stamp
        ahead = (stamp - last[0]) - (arrival - last[2])
        if back > self.NEW_WORLD_S:
            what = f"stamped {back:.2f} s before the newest state"
        elif ahead > LEAP_S:
            gap = max(0.0, arrival - last[2])
            moved = float(np.linalg.norm(xyz - last[1]))
            turned = _angle(last[3], turn)
            jumped = moved > MAX_TCP_SPEED_M_S * gap + TCP_JUMP_SLACK_M
            if not jumped and turned <= MAX_TCP_ANGULAR_SPEED_RAD_S * gap + \
                    ORIENTATION_JUMP_SLACK_RAD:
                self._elsewhere_since = None
                return None  # the clock stepped forward, or a simulator ran ahead: the arm's
            what = (f"stamped {ahead:.2f} s further ahead than it arrived after the newest "
                    f"state, and {jump_words(moved, turned, gap, jumped)} by its arrival")
        else:
            self._elsewhere_since = None
            return None
        since = self._elsewhere_since
        if since is None:
            self._elsewhere_since = since = arrival
        if arrival - since >= ADOPT_S:
            self._elsewhere_since = None
            return ""
        return (f"{what}: a pose on another clock (a second publisher on a machine whose clock "
                f"is not synchronized?; a looping bag or a restarted simulator is taken after "
                f"{ADOPT_S:g} s of its states alone)")

    def _out_of_order(self, xyz: np.ndarray, turn: np.ndarray, stamp: float,
                      newest: float) -> str:
        """Judge a state stamped before the newest against the arm's own state nearest its stamp.

        Nothing else changes: it is no state to compare the next one with, and no jump of a
        hold (a pose of the past is no teleport of the present).
        """
        samples = list(self._samples)
        if self._newest is not None and (not samples or samples[-1] is not self._newest):
            samples.append(self._newest)
        if not samples:
            last = self._last
            samples = [_Sample(last[4], last[0], last[1], last[3], self._run)]
        stamps = [sample.stamp for sample in samples]
        low = bisect.bisect_left(stamps, stamp - self.REPEAT_S)
        high = bisect.bisect_right(stamps, stamp + self.REPEAT_S)
        # the neighbours by stamp, and every state at its (coarse, repeated) stamp: any of them
        # the arm's state it agrees with (breaker41d: a late state of a coarse stream)
        best = None
        for near in samples[max(0, low - 1):high + 1]:
            interval = abs(stamp - near.stamp)
            excess, moved, turned = _excess(xyz, turn, near.xyz, near.turn, interval)
            if excess <= 0:
                return ""
            if best is None or excess < best[0]:
                best = (excess, moved, turned, interval)
        _, moved, turned, interval = best
        jumped = moved > MAX_TCP_SPEED_M_S * interval + TCP_JUMP_SLACK_M
        what = jump_words(moved, turned, interval, jumped)
        return (f"stamped {(newest - stamp) * 1e3:.0f} ms before the newest, {what} from the "
                "arm's state at that stamp")

    def _coarse_gap(self) -> float | None:
        """Return the median arrival gap [s] if the stream stamps coarsely, else None.

        Coarse: a repeated stamp among the remembered intervals that was no jump and arrived
        within :data:`STALL_FACTOR` of the median gap (no burst, no stall).
        """
        intervals = tuple(self._intervals)  # one copy: forget() may clear it meanwhile
        usual = self._usual_gap(intervals)
        if usual is None:
            return None
        coarse = any(quiet and gap is not None and
                     usual / self.STALL_FACTOR <= gap <= self.STALL_FACTOR * usual
                     for quiet, gap in intervals)
        return usual if coarse else None

    def _usual_gap(self, intervals: tuple | None = None) -> float | None:
        """Return the median arrival gap [s] of the remembered intervals (None: none timed).

        ``statistics.median`` of at most ``HISTORY`` floats: the same bits as ``np.median``
        (the middle one, or the two middle ones' sum halved), ~20x cheaper on every state of a
        moving arm (perf59; ``test/test_jump_clock_median.py``).
        """
        gaps = [gap for _, gap in (tuple(self._intervals) if intervals is None else intervals)
                if gap is not None]
        return float(statistics.median(gaps)) if gaps else None
