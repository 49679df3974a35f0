"""Whether the measured hand is still moving to its gripper command (blocking and async).

A hand is slower than an arm's short step (a Franka hand takes ~1 s to close): a plan made
while it still closes starts from a half-closed reading, and its gripper command (that
reading plus the planned change) stops the close there (breaker51k: a close to 1.0 ended at
0.81). So blocking's next plan, and async's after arrival, wait while :func:`hand_moving`
(``MPCSession._hand_moving``), at most ``control.arrival_timeout_s`` of streamed ticks after
the gripper command (a stalled node does not count); a hand that stopped short (fingers on an
object) is not moving and is planned from where it is.
"""

from __future__ import annotations

from collections.abc import Sequence

from vjepa_ros.robot.goal_switch_config import GRIPPER_INDEX
from vjepa_ros.robot.inputs import Stamped

# [s] the shortest window in which a hand moving to its command moves by more than the
# tolerance (control.settle_s when longer): a Franka hand closing at 0.02 m/s (a slow grasp,
# 0.25 closedness/s) moves 0.25 in it, more than the default control.gripper_deadband 0.1
# (a hand slower than tolerance/window counts as at rest); a hand stopped on an object is
# planned from about this long after it stopped
HAND_WINDOW_S = 1.0


def hand_moving(states: Sequence[Stamped], commanded: float, tolerance: float) -> bool:
    """Tell whether the measured hand is still moving toward ``commanded``.

    Args:
        states: the robot states of the last window (oldest first; index 6 the closedness,
            ``gripper_measured`` False for a placeholder): the newest is the hand now.
        commanded: the last gripper command sent (closedness in [0, 1]).
        tolerance: ``ControlConfig.hand_tolerance`` (closedness).
    Returns:
        True when the newest closedness is measured, farther than ``tolerance`` from
        ``commanded``, and came more than ``tolerance`` nearer to it within ``states``; False
        for a hand at rest short of its command (stopped on an object), one that moved away
        from it (an object slipped out, the fingers pushed open), and with no measured state.
    """
    gaps = [abs(float(s.value[GRIPPER_INDEX]) - commanded) for s in states if s.gripper_measured]
    if not gaps or not states[-1].gripper_measured or gaps[-1] <= tolerance:
        return False
    return max(gaps) - gaps[-1] > tolerance
