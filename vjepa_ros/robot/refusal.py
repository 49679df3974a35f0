"""Why the session does not command the arm: a kind to act on and a detail for people.

The kind decides behaviour (the severity in diagnostics, whether a warning is logged again, which
refusal a new goal clears); the detail is the one-line message shown in ``/diagnostics`` and the
log. Nothing parses the detail back: what callers act on is typed (the kind; a
:class:`Blocker`'s missing topic).
"""

from __future__ import annotations

import dataclasses
import enum


class RefusalKind(str, enum.Enum):
    NO_GOAL = "no_goal"  # no goal image, or every sub-goal done
    STALE_INPUTS = "stale_inputs"  # camera/state missing, too old, from the future; frame size
    STALE_PLAN = "stale_plan"  # a plan's frame older than safety.max_plan_age_s at command time
    INVALID_STATE = "invalid_state"  # the robot state is unusable (NaN joints, bad pose ...)
    SAFETY = "safety"  # the safety filter rejected the target
    # the joint-limit guard (robot/joint_guard.py) refused the step: a joint at its margin; a
    # plan turning it back is taken (not a hold for the user, as ``safety``'s box refusals are)
    JOINT_LIMIT = "joint_limit"
    PLANNER_ERROR = "planner_error"  # encoding or planning raised
    INTERNAL_ERROR = "internal_error"  # a check that should never fire did (unsafe set-point)
    # another planner (a twin of this node's name, or of this package) on the command topic:
    # the node's (nodes/planner_diagnostics.py), never the session's; ~/enable is refused
    TWIN_PLANNER = "twin_planner"
    # robot.base_frame names another arm's link0 than the joint states' (learned at run time):
    # the node's (nodes/planner_inputs.py, _follow_arm_prefix), never the session's; commanding
    # disabled and ~/enable refused
    BASE_FRAME = "base_frame"

    def __str__(self) -> str:
        return self.value


ERROR_KINDS = (RefusalKind.PLANNER_ERROR, RefusalKind.INTERNAL_ERROR)
# refusals of a command's target: cleared by a disable (shadow mode sends none)
COMMAND_KINDS = (RefusalKind.SAFETY, RefusalKind.JOINT_LIMIT)

# the words of a refusal whose check gave no reason: "" reads as "fine" to the input checks
NO_REASON = "refused with no reason given (a check returned an empty reason: please report it)"


def worded(reason: str) -> str:
    """Return ``reason``, or :data:`NO_REASON` for "": a refusal is never read as "fine"."""
    return reason or NO_REASON


@dataclasses.dataclass(frozen=True)
class Refusal:
    """One refusal: ``kind`` (what to do about it) and ``detail`` (the message, one line).

    An empty ``detail`` becomes :data:`NO_REASON` (a refusal with no words is still one).
    """

    kind: RefusalKind
    detail: str
    not_yet: bool = False  # an input has not come yet (start-up): an info line in shadow mode

    def __post_init__(self):
        object.__setattr__(self, "detail", worded(self.detail))

    @property
    def is_error(self) -> bool:
        """True for faults of the planner or the session (diagnostics level ERROR)."""
        return self.kind in ERROR_KINDS

    def __str__(self) -> str:
        return self.detail


@dataclasses.dataclass(frozen=True)
class Blocker:
    """One reason nothing would be commanded now (``MPCSession.blocking_problems``).

    ``detail``: the reason, one line, as ``/diagnostics`` and ``~/enable`` show it;
    ``missing_topic``: for "no camera image / robot state received yet on <topic>", the input
    topic nothing has come on yet ("" for every other reason), so that a caller that names the
    silent topics itself (``nodes/input_watch.py``) can leave these out without reading words.
    """

    detail: str
    missing_topic: str = ""

    def __str__(self) -> str:
        return self.detail


class CaptureRefused(RuntimeError):
    """A goal capture's one-line refusal (``~/capture_goal``, ``~/add_subgoal``).

    ``missing_topic``: the camera topic no frame has come on yet when that is the reason (""
    for every other), so that the node can add, from the ROS graph, where frames may be
    (``nodes/goal_services.py``) without reading words.
    """

    def __init__(self, message: str, missing_topic: str = ""):
        super().__init__(message)
        self.missing_topic = missing_topic


def blocking_text(blockers) -> str:
    """Every :class:`Blocker`'s detail in order, joined by "; " ("" for none)."""
    return "; ".join(b.detail for b in blockers)
