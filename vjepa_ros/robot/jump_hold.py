"""A hold on jumps as :class:`~vjepa_ros.robot.jump_watch.JumpWatch` keeps it, and its landing.

The hold's open jumps and the states that land back from them (:meth:`JumpHold._undone`),
lone states and their courses (``jump_course``), held glitches, undos put back
(:meth:`JumpHold._toggle`), and where the hold's jumps put the arm (:meth:`JumpHold.landed`).
The rules are told in ``JumpWatch``'s docstring (**New worlds**, **Lone states**, **Held
glitches and undos put back**). ROS-free; numpy only.
"""

from __future__ import annotations

import numpy as np

from vjepa_ros.robot.jump_course import HELD_S, LONE_RUN, LONE_SPAN_S, _Course
from vjepa_ros.robot.jump_excursions import _Excursion
from vjepa_ros.robot.jump_verdicts import Landing
from vjepa_ros.robot.state_ranges import ORIENTATION_JUMP_SLACK_RAD, TCP_JUMP_SLACK_M
from vjepa_ros.robot.tcp_quaternions import _angle


class JumpHold:
    """JumpWatch's hold on jumps: open jumps, lone courses, held runs, undos put back, landing.

    A mixin of :class:`~vjepa_ros.robot.jump_watch.JumpWatch`, whose ``__init__`` sets the
    state these methods read and write (``_net``, ``_open``, ``_undid``, ``_held_pose``,
    ``_hold_motion``, ``_newest``, ``_run``); they run on its state callback, :meth:`landed`
    when a hold ends.
    """

    def _left_course(self, xyz: np.ndarray, turn: np.ndarray, time: float, last: tuple,
                     after_jump: bool, way_back: _Course | None) -> _Course | None:
        """Return the course a state (no jump, changed beyond the slack) left, if it is lone.

        The course: from ``last``, the arm's own newest state, at its velocity
        (:meth:`_velocity`), also when ``last`` was lone itself (a course kept across lone
        states went stale while a 10 Hz arm sped up or turned, each of its steps lone, and a
        ``~/reset`` home 0.5 s later landed on it: breaker47a). After a jump (``after_jump``:
        ``last`` refused) only ``way_back``: ``last`` was a jump back where the arm was (a
        glitch's way back, :meth:`_undone`, or a lone state's), at the velocity the arm had
        before that glitch (a glitch and its way back right before a gap in the states made the
        next lone glitch a new world: breaker47c; the arm's newest own state instead could be a
        two-state glitch's second or a teleport's: breaker47d). None when the state is on it,
        or comes more than ``jump_course.LONE_SPAN_S`` after that state. Module ``jump_course``.
        """
        if after_jump:
            course = way_back
            if course is None:
                return None
        else:
            newest = self._newest
            if newest is None or newest.stamp != last[0] or newest.run != self._run:
                return None
            course = _Course(last[1], last[3], last[4], *self._velocity())
        return None if time - course.time > LONE_SPAN_S else course.leaving(xyz, turn, time)

    def _held_on(self, states: int, since: float, xyz: np.ndarray, turn: np.ndarray,
                 time: float) -> bool:
        """Whether a state (xyz [3] m, quaternion [4], at ``time`` [s]) carries a held run on.

        The run (a jump's pose, or a lone state's, repeated: ``states`` so far, its first at
        ``since`` [s]) lasts ``jump_course.LONE_RUN`` states or ``HELD_S``, whichever is more,
        and the state is at the run's first pose within the slack (``_held_pose``): measured
        from that pose, not step by step, so an arm moving on at 1 kHz or a controller pulling
        it back in steps under the slack is no copy (breaker48d K, M).
        """
        pose = self._held_pose
        return (states < LONE_RUN or time - since <= HELD_S) and pose is not None and \
            float(np.linalg.norm(xyz - pose[0])) <= TCP_JUMP_SLACK_M and \
            _angle(pose[1], turn) <= ORIENTATION_JUMP_SLACK_RAD

    def _await_put_back(self, net: tuple | None, opened: list, last: tuple, xyz: np.ndarray,
                        turn: np.ndarray, time: float) -> None:
        """Keep (``net``, ``opened``) for a put-back by the state after this one (``_undid``).

        This state (xyz [3] m, quaternion [4], at ``time`` [s]) just undid, or put back, what
        ``net`` and ``opened`` were; the state that would show it wrong comes back where this
        one left: the course from ``last`` at the arm's motion before the hold
        (``_hold_motion``, stopping anywhere), this state its lone one, and off this state's own
        course at that motion (not the arm going on from it, also after standing still: a
        glitch behind an arm lies on the arm's course; breaker48e Q). None when this state is
        on the first course (it left nothing).
        """
        course = _Course(last[1], last[3], last[4], *self._hold_motion).leaving(xyz, turn, time,
                                                                                0.0)
        self._undid = None if course is None else \
            (net, opened, course, _Course(xyz, turn, time, *self._hold_motion))

    def _toggle(self, undid: tuple, last: tuple, xyz: np.ndarray, turn: np.ndarray,
                time: float) -> None:
        """Put back what an earlier state undid (``undid``, ``_undid``); keep what it made.

        This state (xyz [3] m, quaternion [4], at ``time`` [s]) is back where the undoing state
        (or ``last``, its latest copy) left (``undid``'s course), so that state was the glitch,
        not the way back: the hold's (net, open jumps) before it return, and the ones it made
        wait for a state back where ``last`` is (:meth:`_await_put_back`): alternating sources
        toggle to and fro, and the state they settle on wins (a ``~/reset`` held a few states,
        a stale copy of the old pose that undid it, the reset pose again: a new world;
        breaker47j, breaker47k C).
        """
        self._await_put_back(self._net, self._open, last, xyz, turn, time)
        self._net, self._open = undid[0], undid[1]

    def _undone(self, xyz: np.ndarray, turn: np.ndarray, time: float) -> _Excursion | None:
        """Close the open jumps a state lands back from; return the one it landed back from.

        Newest first: the state (xyz [3] m, quaternion [4], at ``time`` [s]) is back where an
        open jump left when :meth:`_Excursion.lands_back` says so. That jump and every later
        one are undone: a glitch's way back after a gap (no jump), or a burst of another
        publisher's pose under which the arm moved on (breaker40f), counts nothing.
        """
        opened = self._open
        for index in range(len(opened) - 1, -1, -1):
            if opened[index].lands_back(xyz, turn, time):
                self._net = opened[index].net_before
                self._open = opened[:index]
                return opened[index]
        return None

    def landed(self) -> Landing | None:
        """Return where the hold's jumps put the arm, if they moved it at all (a teleport).

        Called when a hold on jumps ends (the states agree again). A teleport: the hold's jumps
        not undone (``_undone``), added up, moved the arm more than ``TCP_JUMP_SLACK_M`` or
        turned it more than ``ORIENTATION_JUMP_SLACK_RAD`` (:class:`Landing`), wherever the arm
        went since by its own motion (a controller pulling it back toward its old target,
        breaker40g). None otherwise (glitches that came back) or with no jump since the last
        call. The jumps are forgotten either way.
        """
        net = self._net
        self._net, self._open, self._undid = None, [], None  # (no undo put back after the hold:
        if net is None:  # breaker48d I)
            return None
        leap, angle = float(np.linalg.norm(net[0])), _angle(net[1], np.array([1.0, 0, 0, 0]))
        if leap <= TCP_JUMP_SLACK_M and angle <= ORIENTATION_JUMP_SLACK_RAD:
            return None
        return Landing(leap, angle)
