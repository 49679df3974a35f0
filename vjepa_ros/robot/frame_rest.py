"""When a camera frame shows the arm where it is now: the one "frame taken at rest" rule.

A frame shows the pose the arm holds when the TCP stayed within :data:`REST_TOLERANCE_M` of the
pose at the frame's stamp in every robot state after it. ``vjepa-ros reach`` guides the arm
until it is within that tolerance of the pose, then waits :data:`REST_SETTLE_S` for a frame
stamped after (``nodes.reach_client``); the planner's captures (``~/capture_goal``,
``~/add_subgoal``) refuse a newest frame that the arm has moved farther from since
(:func:`moved_since_frame`): the goal would be a pose the arm left, not the one the person holds.
ROS-free.
"""

from __future__ import annotations

import numpy as np

REST_TOLERANCE_M = 0.002  # [m] the TCP this close to a pose is at it (hand guiding, captures)
REST_SETTLE_S = 0.3  # [s] reach: once at the pose, the frame awaited is stamped this much later


def moved_since_frame(inputs, frame_stamp: float) -> float:
    """Return how far [m] the TCP moved from its pose at ``frame_stamp`` in the states after it.

    ``inputs``: an :class:`~vjepa_ros.robot.inputs.InputBuffer` (``state_at``,
    ``states_after``); the largest TCP distance (xyz, state[:3]) of a state stamped after
    ``frame_stamp`` from the stored state nearest to it; 0.0 with no state after the frame
    (or none at all). A frame shows the arm at rest where it is when this is at most
    :data:`REST_TOLERANCE_M`.
    """
    at_frame = inputs.state_at(frame_stamp)
    after = inputs.states_after(frame_stamp)
    if at_frame is None or not after:
        return 0.0
    tcp = np.array([state.value[:3] for state in after])
    return float(np.linalg.norm(tcp - at_frame.value[:3], axis=1).max())


def moved_refusal(service: str, moved_m: float) -> str:
    """Return ``service``'s one-line refusal of a frame the arm moved ``moved_m`` [m] from."""
    return (f"{service} refused: the arm moved {moved_m * 100:.1f} cm since the newest camera "
            f"frame (more than {REST_TOLERANCE_M * 1000:g} mm): it would capture a pose the arm "
            f"has left; hold the arm still until a newer frame comes, then call {service} again")
