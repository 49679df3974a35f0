"""When a camera frame shows the arm where it is now: the one "frame taken at rest" rule.

A frame shows the state the arm holds when, in every robot state after the frame's stamp, the
tool point (TCP) stayed within :data:`REST_TOLERANCE_M` of its position at the frame, the hand
within :data:`REST_TOLERANCE_RAD` of its orientation there and the gripper within
:data:`REST_TOLERANCE_CLOSEDNESS` of its closedness (each changes the picture: a wrist turned at
a fixed tool point, fingers closed with the arm still; breaker52k). With no state after the
frame yet, the states just before it are the evidence instead (the arm within the same
tolerances there: still at the frame; moving, and where it is now unknown): those of the
:data:`REST_BEFORE_FRAME_S` before it, or of :data:`REST_BEFORE_INTERVALS` of the state
stream's intervals where that is longer (:func:`look_back`, at most ``safety.max_state_age_s``).
``vjepa-ros reach`` guides the arm until the TCP is within :data:`REST_TOLERANCE_M` of the
pose, then waits :data:`REST_SETTLE_S` for a frame stamped after (``nodes.reach_client``; its
targets keep the orientation and the gripper): such a frame passes this rule. The planner's
captures (``~/capture_goal``, ``~/add_subgoal``) refuse a newest frame that is not at rest
(:func:`frame_motion`, :func:`moved_refusal`): the goal would be a state the arm left, not the
one it holds. ROS-free.
"""

from __future__ import annotations

import bisect
import dataclasses
import math

import numpy as np

from vjepa_ros.robot.safety import SafetyLimits

REST_TOLERANCE_M = 0.002  # [m] the TCP this close to a pose is at it (hand guiding, captures)
REST_SETTLE_S = 0.3  # [s] reach: once at the pose, the frame awaited is stamped this much later
# [s] with no state after a frame, the states this long before it show whether the arm was still
# at it (within 2 mm: under 4 cm/s; a frame of an arm at 20 cm/s is refused, breaker52k). Not
# REST_SETTLE_S: a frame 0.03 s after the arm converged (a live camera check's last one) or
# 0.05 s after a guided arm stopped shows the arm where it stays (breaker52k's, 52a's pins)
REST_BEFORE_FRAME_S = 0.05
# A slower state stream is looked back on over this many of its intervals (a 20 Hz stream has
# at most one state in 0.05 s: no motion to see, a moving arm's frame was taken for one at rest)
REST_BEFORE_INTERVALS = 2
# [s] the longest look-back (a 10 Hz stream: 0.2 s) without the lab's setting: the default of
# safety.max_state_age_s (a state older is too old to plan on); the captures pass the setting
REST_BEFORE_MAX_S = SafetyLimits().max_state_age_s
# the stream's interval is the median of at most this many of its last intervals before the frame
RATE_INTERVALS = 8
# [rad] the hand's orientation this close is the frame's: 1 degree turns a point ~0.11 m from
# the TCP (the fingers, the hand's far edge) by 2 mm, REST_TOLERANCE_M at the scene's scale
REST_TOLERANCE_RAD = math.radians(1.0)
# gripper closedness (0 open .. 1 closed): 2 mm of the Franka Hand's 80 mm opening, the TCP's
# 2 mm again; far above the jitter of a hand's finger readings at rest (sub-millimetre)
REST_TOLERANCE_CLOSEDNESS = 0.025


@dataclasses.dataclass(frozen=True)
class FrameMotion:
    """How far the arm moved from its state at a frame (:func:`frame_motion`).

    ``moved_m`` [m]: the largest TCP distance; ``turned_rad`` [rad]: the largest rotation angle
    of the hand; ``gripper``: the largest closedness change (0.0 when either closedness is a
    placeholder, no finger joints). ``after``: measured in the states after the frame (False:
    none came yet: measured in the ``before_s`` [s] before it, :func:`look_back`).
    """

    moved_m: float = 0.0
    turned_rad: float = 0.0
    gripper: float = 0.0
    after: bool = True
    before_s: float = REST_BEFORE_FRAME_S

    @property
    def at_rest(self) -> bool:
        """Whether each part stayed within its tolerance: the frame shows the arm's state."""
        return (self.moved_m <= REST_TOLERANCE_M and self.turned_rad <= REST_TOLERANCE_RAD
                and self.gripper <= REST_TOLERANCE_CLOSEDNESS)

    def words(self) -> str:
        """Say what changed beyond its tolerance ("moved 2.0 cm and turned 30.0 degrees")."""
        parts = []
        if self.moved_m > REST_TOLERANCE_M:
            parts.append(f"moved {self.moved_m * 100:.1f} cm")
        if self.turned_rad > REST_TOLERANCE_RAD:
            parts.append(f"turned {math.degrees(self.turned_rad):.1f} degrees")
        if self.gripper > REST_TOLERANCE_CLOSEDNESS:
            parts.append(f"changed its gripper's closedness by {self.gripper:.2f}")
        return " and ".join(parts)


def frame_motion(inputs, frame_stamp: float,
                 max_look_back_s: float = REST_BEFORE_MAX_S) -> FrameMotion:
    """Return how far the arm moved from its state at ``frame_stamp`` (:class:`FrameMotion`).

    ``inputs``: an :class:`~vjepa_ros.robot.inputs.InputBuffer` (``state_at``,
    ``states_after``); the reference is the stored state nearest to ``frame_stamp``, compared
    with every state stamped after it (TCP xyz, extrinsic xyz Euler angles wrap-free, the
    closedness where both are measured). No state after the frame: the states stamped less
    than :func:`look_back` before it (``after`` False, ``before_s`` that time): a frame of an
    arm in motion is no frame at rest, one the arm held still for that long is (at least two
    of the stream's states, up to ``max_look_back_s`` [s]: ``safety.max_state_age_s``, so a
    lab's 4 Hz stream with it raised to 0.6 s looks back 0.5 s, two states). No state at all:
    at rest.
    """
    from vjepa_ros.recordings.stray_states import state_changes

    at_frame = inputs.state_at(frame_stamp)
    if at_frame is None:
        return FrameMotion()
    judged = inputs.states_after(frame_stamp)
    after, before_s = bool(judged), REST_BEFORE_FRAME_S
    if not after:
        before_s = look_back(inputs.stamps_until(frame_stamp, RATE_INTERVALS + 1), frame_stamp,
                             max_look_back_s)
        judged = inputs.states_after(frame_stamp - before_s + 1e-6)  # less than before_s
    if not judged:
        return FrameMotion(before_s=before_s)
    states = np.array([at_frame.value] + [state.value for state in judged], dtype=np.float64)
    changes = state_changes(states, np.zeros(len(judged), dtype=int),
                            np.arange(1, len(judged) + 1))
    measured = np.array([at_frame.gripper_measured and state.gripper_measured
                         for state in judged])
    gripper = float(changes[measured, 2].max()) if measured.any() else 0.0
    return FrameMotion(float(changes[:, 0].max()), float(changes[:, 1].max()), gripper, after,
                       before_s)


def look_back(stamps, frame_stamp: float, max_s: float = REST_BEFORE_MAX_S) -> float:
    """Return how long [s] before a frame its states show whether the arm was still at it.

    ``stamps``: the kept robot states' stamps [s], oldest first (sorted, ties allowed: the
    buffer's, ``InputBuffer.stamps_until``; found by bisection, O(log n)); ``frame_stamp``
    [s]. The longer of :data:`REST_BEFORE_FRAME_S` and :data:`REST_BEFORE_INTERVALS` times the
    stream's interval (the median of its last :data:`RATE_INTERVALS` intervals up to the
    frame), at most ``max_s`` [s] (``safety.max_state_age_s``; default its default,
    :data:`REST_BEFORE_MAX_S`): a 10 Hz stream 0.2 s, 20 Hz 0.1 s, 100 Hz and 1 kHz 0.05 s (a
    frame 0.03 s after the arm stopped, a live camera check's last, passes).
    """
    end = bisect.bisect_right(stamps, frame_stamp)
    before = np.asarray(stamps[max(0, end - RATE_INTERVALS - 1):end], dtype=np.float64)
    if len(before) < 2:
        return REST_BEFORE_FRAME_S
    interval = float(np.median(np.diff(before)))
    return min(max(REST_BEFORE_FRAME_S, REST_BEFORE_INTERVALS * interval), max_s)


def moved_refusal(service: str, motion: FrameMotion, planner_moving: bool = False) -> str:
    """Return ``service``'s one-line refusal of a frame not at rest (``motion`` not at rest).

    ``planner_moving``: commanding is driving the arm toward a goal (enabled, a goal active):
    the refusal names what stops it (``~/clear_goals``, ``~/enable false``), not a person
    holding the arm still.
    """
    when = ("since the newest camera frame" if motion.after else
            f"in the {motion.before_s:.2g} s before the newest camera frame, and no robot "
            "state has come since it")
    tolerance = (f"at rest: within {REST_TOLERANCE_M * 1000:g} mm, "
                 f"{math.degrees(REST_TOLERANCE_RAD):g} degree, gripper closedness "
                 f"{REST_TOLERANCE_CLOSEDNESS:g}")
    head = (f"{service} refused: the arm {motion.words()} {when} ({tolerance}): it would "
            "capture a state the arm has moved from")
    if planner_moving:
        return (f"{head}; commanding is moving the arm toward the goal: stop it with "
                f"~/clear_goals (the arm holds) or ~/enable false, then call {service} again "
                "on a newer frame")
    return f"{head}; hold the arm still until a newer frame comes, then call {service} again"
