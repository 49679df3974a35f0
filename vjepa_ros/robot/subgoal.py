"""One goal image (a sub-goal) with the hand's state when it was made; when a frame may be one.

``SubGoal`` is a goal image with its step count, its source and the robot state or gripper
closedness captured with it; ``check_subgoal_gripper`` refuses a sub-goal whose hand is unknown
under ``goals.gripper`` subgoal; ``capture_refusal`` says why the newest frame cannot be captured.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from vjepa_ros.robot.goal_switch_config import GRIPPER_CLOSED_ABOVE
from vjepa_ros.robot.refusal import Blocker


@dataclasses.dataclass
class SubGoal:
    image: np.ndarray  # [H, W, 3] uint8 RGB
    steps: int | None = None  # executed commands toward it before the next; 0 = no limit;
    # None = GoalSwitchConfig.default_steps
    source: str = ""  # where it came from (file path, "captured", topic), for diagnostics
    reps: object = None  # [1, N, D] torch.Tensor once encoded (by the planning thread)
    state: np.ndarray | None = None  # [7] robot state when it was captured, if known
    gripper: float | None = None  # closedness 0..1 at the sub-goal, when given without a state
    gripper_measured: bool = True  # False: captured without a measured hand (no finger joints
    # received, or no state at the frame's time): state[6], if any, is a placeholder
    hand: str | None = None  # the hand whose measured closedness state[6] is (FingerWatch.hand:
    # "<topic> (<prefix>finger_joint1/2)"); None: not captured from a known hand
    frame_stamp: float | None = None  # [s] the stamp of the camera frame it was captured from
    # (~/capture_goal, ~/add_subgoal); None: not captured (a file, ~/goal_image)

    def other_hand(self, hand: str | None) -> bool:
        """Whether this sub-goal's closedness was measured on a hand other than ``hand``.

        ``hand``: the hand measured now (``FingerWatch.hand``); None (none known) never differs.
        Such a closedness is another gripper's (chosen before this arm's own driver published,
        or from a namespace above), so ``goals.gripper`` subgoal must not command it.
        """
        return (hand is not None and self.hand is not None and self.gripper is None
                and self.gripper_measured and self.hand != hand)

    def captured_from(self, stamp: float, image: np.ndarray) -> bool:
        """Whether this sub-goal was captured from the frame (``stamp`` [s], ``image`` [H, W, 3]).

        The very frame: the same stamp and the same pixels (a frame re-stamped, or another
        picture under a repeated stamp, is another frame). False for a sub-goal not captured.
        """
        return (self.frame_stamp is not None and self.frame_stamp == stamp
                and np.array_equal(self.image, image))

    def closedness(self) -> float | None:
        """Return the hand's closedness 0..1 here: ``gripper``, else ``state[6]``, else None."""
        if self.gripper is not None:
            return float(self.gripper)
        if self.state is None or not self.gripper_measured:
            return None
        return float(self.state[6])

    def gripper_command(self, closed_above: float = GRIPPER_CLOSED_ABOVE) -> float:
        """Return the closedness commanded toward this sub-goal under ``goals.gripper`` subgoal.

        1.0 (close: a GripperCommand grasp until the fingers are blocked) when the sub-goal was
        captured with the hand closed more than ``closed_above`` (``goals.gripper_closed_above``),
        else 0.0 (open). Raises ValueError when the sub-goal's gripper is not known.
        """
        closedness = self.closedness()
        if closedness is None:
            raise ValueError(f"sub-goal {self.source or 'image'} has no gripper state")
        return 1.0 if closedness > closed_above else 0.0


def check_subgoal_gripper(index: int, goal: SubGoal) -> None:
    """Raise ValueError unless ``goal`` has a closedness in [0, 1] (goals.gripper subgoal)."""
    closedness = goal.closedness()
    name = f"sub-goal {index + 1} ({goal.source or 'image'})"
    if closedness is None:
        if goal.source.startswith("~/goal_image"):  # a message carries no hand state
            why = (f"came on {goal.source}, which carries no gripper state: capture the goal "
                   "with ~/capture_goal or ~/add_subgoal instead (they record the hand)")
        elif goal.gripper_measured:  # a goal file: no hand state comes along
            why = "has no gripper state: give goal_gripper (one closedness per goal file)"
        elif goal.state is not None:  # captured, but no finger joints had arrived
            why = ("was captured while the gripper's closedness was not measured (no recent, "
                   "usable finger joint state of this arm's hand: none arrived, they stopped, "
                   "or two hands were ambiguous; the node's log says which): publish the "
                   "finger joints (robot.gripper_state_topic) and capture it again")
        else:
            # an invalid state (NaN, a glitch) refuses the capture itself (GoalSession), so
            # here the states were missing, late, or refused around the frame and valid since
            why = ("was captured with no robot state near its frame's time (joint states "
                   "missing, late, or refused as invalid then: the node's log says which): "
                   "check the joint states and capture it again")
        raise ValueError(f"goals.gripper is 'subgoal' but {name} {why}, or restart the node with "
                         "goals.gripper planned")
    if not 0.0 <= closedness <= 1.0:
        raise ValueError(f"{name}: gripper closedness must be in [0, 1], got {closedness!r}")


def capture_refusal(service: str, camera: Blocker, camera_topic: str = "image",
                    state: Blocker | None = None, state_topic: str = "joint states",
                    state_what: str = "joint states") -> str:
    """Why the newest frame cannot become a goal through ``service`` ("" when it can).

    ``camera``, ``state``: why the session would not plan on the newest frame, the newest robot
    state now (an empty ``detail``: it would); the planning loop's own tests
    (``InputChecks._camera_blocker``, ``InputChecks._state_blocker``: ``input_ages.age_problem``
    and the state's validity), so a frame or a state the loop refuses (too old, stamped in the
    future, invalid, none yet) is never captured either: a sub-goal kept without its state
    holds no axis and commands no closedness, silently. The session passes one of the two, the
    planning loop's first reason (``InputChecks._first_input_blocker``); given both, the camera
    is said first. A ``missing_topic`` (set when none has come yet), not the wording of a
    detail, decides the "no ... received yet" answer. ``state_what``: what the state topic
    brings, in words ("joint states"; "robot poses" with ``robot.state_source: pose``).
    """
    if camera.detail:
        if camera.missing_topic:
            return (f"{service} refused: no camera frame received yet; check the camera topic "
                    f"({camera_topic}), then call it again")
        return (f"{service} refused: {camera.detail}; check the camera ({camera_topic}), then "
                "call it again")
    if state is not None and state.detail:
        detail = "no robot state received yet" if state.missing_topic else state.detail
        return (f"{service} refused: {detail}; check the {state_what} ({state_topic}), then "
                "call it again")
    return ""
