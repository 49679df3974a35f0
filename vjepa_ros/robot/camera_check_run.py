"""The live camera check's progress: which move is commanded, what was seen before and after.

An :class:`MPCSession` owns at most one :class:`CameraCheckRun` (``start_camera_check``). The
stream timer advances it (:meth:`CameraCheckRun.advance`): each move's target (from
``camera_check_motions.check_motions``) is commanded once through the session's safety filter
and set-point stream; when the set-point has stopped at it and the measured TCP is within the
arrival tolerance, the run waits ``settle_s`` and records the newest frame stamped after that,
with the state measured at it. Moves alternate: back at the start (frame "before"), out along
one axis (frame "after"); a last move returns to the start. Each motion is searched twice, with
independent noise (``eval.camera_check_search``: the offline check's rule), by the planning
worker outside the session's lock as soon as its frames are in, while the arm makes the next
motions (the inference hides behind the arm time instead of adding to it); once every move is made
and every motion searched, the worker estimates the model's frame (``eval.camera_check``).
A disable, a hold (invalid inputs, ...), a move that does not arrive within ``timeout_s`` or no
fresh frame ends the run at once with the reason (:attr:`error`); the arm is not moved further.
A hold on stale inputs pauses it (:meth:`hold`): nothing is commanded while it lasts, and once
the inputs are fresh again (the stream's resume, as a goal run's) the move in progress is
commanded again and timed anew (:meth:`resume`); a hold longer than ``timeout_s`` ends it
(:meth:`held_too_long`), as a move that does not arrive does (live: one robot state 0.28 s old
under load on sim time ended the check while a goal run held 0.5 s and went on, mend55c).

A fresh stamp is not taken for a fresh image: the run keeps a sample of every new image seen
during the check with where the arm stood when it first came (``eval.camera_check_unchanged``),
and a frame to record that is the same picture as one first seen with the arm at least
``min_motion_m`` away (a slow camera re-published faster, a frozen one) is stale: the run waits
up to :data:`STALE_WAIT_S` more for a new image, then records it as stale (the motion is
skipped, :attr:`stale`). Once the first :data:`EARLY_MOTIONS` motions are all stale the run
moves the arm back to the start and stops with the stale-frame refusal: a frozen camera is not
moved through every motion.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable

import numpy as np

from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.camera_check_unchanged import (
    REPEAT,
    SAME,
    picture,
    same_picture,
    stale_refusal,
)
from vjepa_ros.robot.arrival import DEFAULT_TOLERANCE_RAD, arrival_gaps, gap_words, within
from vjepa_ros.robot.camera_check_motions import CheckMotion, CheckMotionConfig
from vjepa_ros.robot.inputs import Stamped

# a stale frame to record: wait this much longer than settle_s for a new image [s] (a 1 Hz
# camera sends one within 1 s; a frozen one never)
STALE_WAIT_S = 1.2
# the first this many motions all stale: the camera shows no motion; stop, the arm back at start
EARLY_MOTIONS = 3


@dataclasses.dataclass(frozen=True)
class CheckMove:
    """One commanded move: to ``target``, then the frame recorded as ``record`` (before/after)."""

    label: str
    target: np.ndarray  # [7] base frame
    record: str  # "before", "after" or "" (the final return)


class CameraCheckRun:
    """State of one live check (see the module docstring); the session's lock guards it."""

    def __init__(self, motions: list[CheckMotion], config: CheckMotionConfig,
                 arrival_tolerance_m: float, started_at: float, thresholds=None,
                 arrival_tolerance_rad: float = DEFAULT_TOLERANCE_RAD):
        self.config = config
        self.thresholds = thresholds  # camera_check_thresholds.CheckThresholds (None: defaults)
        # the arm's way [m] past which the same image again is stale
        self.shift = (thresholds if thresholds is not None else CheckThresholds()).min_motion_m
        # control.arrival_tolerance_m [m] and _rad [rad]: each move's arrival (arrival.within)
        self.arrival_tolerance_m, self.arrival_tolerance_rad = \
            arrival_tolerance_m, arrival_tolerance_rad
        self.started_at = started_at
        self.moves: list[CheckMove] = []
        for motion in motions:
            self.moves.append(CheckMove(f"start before {motion.label}", motion.start, "before"))
            self.moves.append(CheckMove(motion.label, motion.target, "after"))
        self.moves.append(CheckMove("back to the start", motions[0].start, ""))
        self.index = 0
        self.commanded = -1  # index of the move commanded last
        self.commanded_at = 0.0
        self.arrived_at: float | None = None
        self.befores: list[np.ndarray] = []
        self.before_states: list[np.ndarray] = []
        self.afters: list[np.ndarray] = []
        self.after_states: list[np.ndarray] = []
        self.labels = [motion.label for motion in motions]
        self.start = motions[0].start.copy()  # [7] where the check started and ends
        self.trial_config = None  # camera_check_trial.CheckTrialConfig (None: no trial)
        self.trial = None  # camera_check_trial.CorrectionTrial once the estimate asks for one
        self.commands: list[np.ndarray] = []  # every safe target sent (for tests and reports)
        self.error = ""
        self.left = ""  # a check stopped mid-way: where it left the arm (the session's words)
        self.result = None  # eval.camera_check_result.CameraCheckResult once estimated
        # per recorded motion, in order: the two searches' inferred motions [7] (model frame, m)
        # and the share of its frame change the first one explains
        self.inferred: list[np.ndarray] = []
        self.inferred_repeat: list[np.ndarray] = []
        self.explained: list[float] = []
        self.searches = None  # the two searches' planners, made on the worker's first turn
        self.inferring = False
        self.finished_at: float | None = None
        self.done = threading.Event()
        self.image_topic = "the camera topic"  # named in the stale-frame refusal
        # new images seen during the check: (its picture, where the arm was [3]), one kept per
        # half min_motion_m of the arm's way plus the newest (``_watch``); the newest frame's
        # stamp looked at and its picture; the stale answer for (stamp, where); and per
        # recorded motion why its frames are stale
        self.seen: list[tuple] = []
        self.seen_stamp = -float("inf")
        self.seen_picture: np.ndarray | None = None
        self.repeat_memo: tuple = (None, None, False)
        self.stale: list[str] = []
        self.before_stale = False
        self.abandon = ""  # the refusal to stop with once the arm is back at the start
        # when a hold on stale inputs paused the run: (node clock, steady clock) [s]
        self.held_at: tuple[float, float] | None = None
        self.held_why = ""  # that hold's refusal

    def hold(self, now: float, steady: float, why: str) -> None:
        """Pause the run on a hold on stale inputs (``why``: its refusal).

        ``now``: the node clock, ``steady``: the steady clock [s] (a simulator's frozen
        ``/clock`` stands still: the steady one still bounds the pause).
        """
        if self.held_at is None:
            self.held_at = (now, steady)
        self.held_why = why

    def held_too_long(self, now: float, steady: float) -> str:
        """Return the stop's words once the pause is longer than ``timeout_s`` ('' if not).

        Longer by either clock (``now``: the node's, ``steady`` [s]: see :meth:`hold`).
        """
        if self.held_at is None or max(now - self.held_at[0], steady - self.held_at[1]) <= \
                self.config.timeout_s:
            return ""
        return (f"camera check stopped: held: {self.held_why}, for more than "
                f"{self.config.timeout_s:g} s (camera_check.motion.timeout_s)")

    def resume(self) -> None:
        """End the pause: the move in progress (or the trial's) is commanded again, timed anew.

        The stream restarts its set-point at an arm moved during the hold; the move's target
        is sent again from there, and its frame is one taken after it settles again.
        """
        self.held_at, self.held_why = None, ""
        if self.trial_running:
            self.trial.resume()
        elif self.active:
            self.commanded = -1

    @property
    def moving_done(self) -> bool:
        """All moves made (back at the start): the frames wait for the estimate."""
        return self.index >= len(self.moves)

    @property
    def trial_running(self) -> bool:
        """The correction trial has begun and has not ended."""
        return self.trial is not None and not self.trial.finished and not self.trial.error

    @property
    def active(self) -> bool:
        """The run still commands moves (not failed; its motions or its trial not all made)."""
        return not self.error and (not self.moving_done or self.trial_running)

    @property
    def uninferred(self) -> int:
        """How many recorded motions (frames before and after in) are not searched yet."""
        return len(self.afters) - len(self.inferred)

    @property
    def needs_worker(self) -> bool:
        """The planning worker has work: a motion's searches, the estimate, a trial's plan."""
        if self.done.is_set() or self.error:
            return False
        if self.trial is not None:
            return self.trial.awaiting_plan
        return not self.inferring and (self.uninferred > 0 or self.moving_done)

    def _stop(self, reason: str, now: float) -> None:
        """Set :attr:`error` (``done`` not yet): the session ends the run in the same tick.

        ``MPCSession._end_camera_check`` says where the arm was left (:attr:`left`) and then
        sets ``done`` (:meth:`fail`): a caller woken by ``done`` reads both.
        """
        if not self.done.is_set():
            self.error, self.finished_at = reason, now

    def fail(self, reason: str, now: float) -> None:
        if not self.done.is_set():
            self.error = reason
            self.finished_at = now
            self.done.set()

    def finish(self, result, now: float) -> None:
        self.result = result
        self.finished_at = now
        self.done.set()

    def advance(self, now: float, measured: np.ndarray, stopped: bool,
                frame: Stamped | None, state_at: Callable[[float], Stamped | None],
                max_state_age_s: float, streaming: bool = False) -> np.ndarray | None:
        """Step the run at time ``now`` [s]; return a target [7] to command now, or None.

        ``measured``: the newest measured state [7]; ``stopped``: the set-point has reached its
        target; ``streaming``: the set-point is still moving (the trial times its moves from
        its last motion: ``CorrectionTrial.advance``); ``frame``: the newest camera frame;
        ``state_at(stamp)``: the stored state nearest
        a stamp. Sets :attr:`error` when a move or a frame does not come in time (``done``: the
        session's :meth:`fail` that ends it).
        """
        if self.trial_running:  # its frames are watched as the motions' (a frozen camera)
            self._watch(frame, state_at, measured)
            target = self.trial.advance(now, measured, stopped, frame, state_at, max_state_age_s,
                                        self._repeats, STALE_WAIT_S, streaming)
            if self.trial.error:
                self._stop(self.trial.error, now)
            return target
        if not self.active:
            return None
        self._watch(frame, state_at, measured)
        move = self.moves[self.index]
        if self.commanded != self.index:
            self.commanded, self.commanded_at, self.arrived_at = self.index, now, None
            return move.target.copy()
        if self.arrived_at is None:
            close, turn = arrival_gaps(measured, move.target, self.arrival_tolerance_m)
            if stopped and within(close, turn, self.arrival_tolerance_m,
                                  self.arrival_tolerance_rad):
                self.arrived_at = now
            elif now - self.commanded_at > self.config.timeout_s:
                self._stop(f"camera check stopped: the {move.label} move did not arrive within "
                           f"{self.config.timeout_s:g} s ({gap_words(close, turn)})", now)
            return None
        if not move.record:
            if self.abandon:
                self._stop(self.abandon, now)
            self.index += 1  # back at the start: all moves made
            return None
        # taken (the earlier of stamp and receipt: Stamped.taken) settle_s after the arrival
        fresh = frame is not None and frame.taken >= self.arrived_at + self.config.settle_s
        if not fresh:
            if now - self.arrived_at > self.config.settle_s + self.config.timeout_s:
                self._stop(f"camera check stopped: no camera frame after the {move.label} move "
                          f"within {self.config.timeout_s:g} s", now)
            return None
        state = state_at(frame.state_time)
        if state is None or abs(state.stamp - frame.state_time) > max_state_age_s:
            return None  # wait for a state near a frame
        stale = self._repeats(frame, np.asarray(state.value, dtype=np.float64)[:3])
        if stale and now - self.arrived_at < self.config.settle_s + STALE_WAIT_S:
            return None  # an image taken elsewhere: wait for a new one
        if move.record == "before":
            self.befores.append(frame.value.copy())
            self.before_states.append(np.array(state.value, dtype=np.float64))
            self.before_stale = stale
        else:
            self.afters.append(frame.value.copy())
            self.after_states.append(np.array(state.value, dtype=np.float64))
            self.stale.append(SAME if same_picture(self.befores[-1], self.afters[-1]) else
                              REPEAT if stale or self.before_stale else "")
            self._stop_early()
        self.index += 1
        return None

    def _watch(self, frame: Stamped | None, state_at, measured: np.ndarray) -> None:
        """Keep a newly stamped frame's picture, unless it is the last image again.

        Where the arm stood: the state nearest when it was taken (``Stamped.state_time``; the
        measured one without). The newest
        image is always kept; the one before it only when it came at least half ``min_motion_m``
        from the one kept before that (a moving arm's images are thinned to its way, so the
        stale search in :meth:`_repeats` stays short on a long check).
        """
        if frame is None or frame.stamp <= self.seen_stamp:
            return
        self.seen_stamp = frame.stamp
        mine = self.seen_picture = picture(frame.value)
        if self.seen and same_picture(self.seen[-1][0], mine):
            return  # re-published: where it was first seen stands
        state = state_at(frame.state_time)
        where = np.asarray(measured if state is None else state.value, dtype=np.float64)[:3]
        if len(self.seen) >= 2 and (np.linalg.norm(self.seen[-1][1] - self.seen[-2][1])
                                    < self.shift / 2):
            self.seen[-1] = (mine, where)  # the newest came near the one kept before it
        else:
            self.seen.append((mine, where))

    def _repeats(self, frame: Stamped, where: np.ndarray) -> bool:
        """Return True when ``frame`` is an image first seen with the arm elsewhere (module).

        Searched once per frame stamp and ``where`` [3] (the stream tick asks on every tick
        while it waits for a new image); the picture is ``_watch``'s for the newest stamp.
        """
        stamp, at_where, answer = self.repeat_memo
        if stamp == frame.stamp and np.array_equal(at_where, where):
            return answer
        mine = (self.seen_picture if frame.stamp == self.seen_stamp
                and self.seen_picture is not None else picture(frame.value))
        answer = any(np.linalg.norm(at - where) >= self.shift and same_picture(seen, mine)
                     for seen, at in self.seen)
        self.repeat_memo = (frame.stamp, where.copy(), answer)
        return answer

    def _stop_early(self) -> None:
        """Once the first :data:`EARLY_MOTIONS` motions are all stale: back to start, then stop."""
        if len(self.stale) == EARLY_MOTIONS and all(self.stale):
            self.abandon = stale_refusal(
                self.image_topic, f"each of the first {EARLY_MOTIONS} motions", live=True,
                stopped="; the check stopped after them and moved the arm back to its start")
            self.index = len(self.moves) - 2  # the caller's += 1: the move back to the start

    @property
    def executed(self) -> np.ndarray:
        """Executed Δxyz [N, 3] (base frame) of the recorded out-moves."""
        return np.stack(self.after_states)[:, :3] - np.stack(self.before_states)[:, :3]

    def state(self) -> str:
        """Return the run's state in a few words (the planner's ``/diagnostics`` ``camera_check``).

        ``motion k of n: label`` (k counts motions, each a move to its start and one along it:
        ``motion 2 of 6: start before -x``), ``moving back to the start``, ``estimating the
        model's frame``, ``done: <verdict>`` (``correct by rotation``: with ``(rotation A°,
        correction C)``, the rotation it corrects by; no other verdict uses one) or
        ``stopped: <reason>``.
        """
        if self.error:
            reason = self.error.removeprefix("camera check stopped: ")
            return f"stopped: {reason.removeprefix('camera check ')}"
        if self.trial_running:
            return self.trial.describe_stage()
        result = self.result
        if result is not None and result.correction != "none":
            return (f"done: {result.verdict} (rotation {result.correction_angle_deg:.1f}°, "
                    f"correction {result.correction})")
        if self.result is not None:
            return f"done: {self.result.verdict}"
        if self.moving_done:
            return "estimating the model's frame"
        move = self.moves[self.index]
        if not move.record:
            return "moving back to the start"
        # counted in motions, as the start's log line ("14 motions of 4 cm"), not in moves
        return f"motion {self.index // 2 + 1} of {len(self.moves) // 2}: {move.label}"

    def describe(self) -> str:
        """Return the run in a sentence: why it stopped, the verdict's explanation or state."""
        if self.error:
            return self.error
        if self.result is not None:
            return self.result.explanation
        return f"camera check: {self.state()}"
