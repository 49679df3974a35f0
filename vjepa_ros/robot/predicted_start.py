"""Asynchronous control: the start of the next plan, predicted while the arm executes a step.

While the arm moves to the commanded target T_k, the next plan cannot start from a measured frame
of T_k (there is none yet). It starts from the prediction instead:

- state: T_k itself (state ⊕ action, the safe command the set-point stream is executing),
- representation: the predictor's imagined frame at T_k, one step from the newest real frame F
  (its measured state s_F, action T_k ⊖ s_F, ``planning.pose.state_difference``), with F's
  keys/values kept in the predictor's cache so the plan's rollouts see F as history.

Each real frame re-anchors the next prediction on measured data. When the arm arrives, the
prepared plan is commanded at once, unless the measured pose differs from the predicted start
by more than ``control.async_tolerance_m`` or is turned from it by more than
``control.async_tolerance_rad`` (then it is discarded and the next plan starts from a
fresh frame, as in blocking mode). It may go out earlier, once the set-point is within
``control.async_blend_m`` of the running target and the arm within ``control.async_tolerance_m``
and ``control.async_tolerance_rad`` of it (:func:`blend_ready`): the target is absolute
(T_k ⊕ a), so the arm turns toward it instead of braking to a stop at T_k first, as a blend
radius (industrial robots' "zone"/"blend" between consecutive moves) does.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import torch
import torch.nn.functional as F

from vjepa_ros.planning.cem import PlanResult
from vjepa_ros.planning.pose import state_difference
from vjepa_ros.planning.rollout import predictor_of
from vjepa_ros.robot.inputs import Stamped
from vjepa_ros.robot.plan_report import PlanReport
from vjepa_ros.robot.targets import poses_apart


@dataclasses.dataclass
class PreparedPlan:
    """A plan made from a predicted start, waiting for the arm to arrive there."""

    plan: PlanResult
    start: np.ndarray  # [7] predicted start state (the command being executed), float64
    # the real frame the prediction started from (its stamp and when it was taken, the one
    # _hand_seen_before looks the hand up at: inputs.Stamped)
    frame: Stamped
    command_index: int  # commands_sent when it was prepared: void once another command went out
    version: int  # goal version it was planned for
    epoch: int  # enable epoch it was planned in
    latency_s: float = 0.0  # [s] encode + imagine + plan wall time
    gripper_measured: bool = True  # the predicted start's closedness rests on a measured hand
    held_axes: tuple[int, ...] = ()  # goals.axes subgoal: action indices the plan held still
    # its ``prepared`` report (energy, latency, frame age, start...): a drop reports it again
    # with its new fate (async_session._drop_prepared)
    report: PlanReport | None = None


def imagine_next_frame(model, frame_reps: torch.Tensor, frame_state: np.ndarray,
                       target: np.ndarray):
    """Imagine the frame at ``target`` from a real frame; return (reps [1, N, D], cache).

    Args:
        model: a world model with ``.predictor`` (``models.WorldModel``, the oracle).
        frame_reps: [1, N, D] layer-normed representation of the real frame F.
        frame_state: [7] measured state at F's stamp.
        target: [7] the state the arm is moving to (the command being executed).
    Returns:
        The predictor's layer-normed output for the next frame (float32, the planner's context)
        and the predictor cache holding F (batch 1), to continue the rollouts from.
    """
    predictor = predictor_of(model)
    parameter = next(itertools.chain(predictor.parameters(), predictor.buffers()))
    device, dtype = parameter.device, parameter.dtype
    start = torch.as_tensor(np.asarray(frame_state), dtype=torch.float64)
    action = state_difference(start, torch.as_tensor(np.asarray(target), dtype=torch.float64))
    cache = predictor.new_cache()
    with torch.inference_mode():
        predicted = predictor.step(
            frame_reps.to(device, dtype), action[None].to(device, dtype),
            start[None].to(device, dtype), cache, append=True,
        )
    reps = F.layer_norm(predicted.float(), (predictor.embed_dim,))
    return reps, cache


def start_mismatch(measured: np.ndarray, predicted: np.ndarray) -> float:
    """Distance [m] between the measured and the predicted TCP position (xyz of [7] states)."""
    return float(np.linalg.norm(np.asarray(measured)[:3] - np.asarray(predicted)[:3]))


def blend_ready(setpoint: np.ndarray, target: np.ndarray, measured: np.ndarray, blend_m: float,
                tolerance_m: float, tolerance_rad: float = float("inf")) -> bool:
    """Return True when the prepared target may be commanded before the running one is reached.

    Args:
        setpoint: [7] the streamed set-point now.
        target: [7] the running target (the predicted start of the prepared plan).
        measured: [7] the measured state now.
        blend_m: blend radius [m]: the set-point's position is at most this far from ``target``
            (0: never; wait for arrival).
        tolerance_m: ``control.async_tolerance_m`` [m]: the measured TCP tracks the set-point
            within it, and its distance still to go (the measured position to ``target``'s) is
            within it too: the start check's rule on arrival, applied at the blend (an arm
            trailing the set-point by 15 mm went out 24-25 mm from ``target`` with no such
            bound: breaker53d). Otherwise the decision waits for arrival (where
            ``start_mismatch`` against ``control.async_tolerance_m`` decides).
        tolerance_rad: ``control.async_tolerance_rad`` [rad]: the same two rules on the
            orientation: the measured one tracks the set-point's within it, and the rotation
            still to go (to ``target``'s, ``targets.poses_apart``) is within it (a step that
            mostly turns the hand is within the blend radius from its start; the plan prepared
            from its end went out 0.3 rad from its start: breaker51c). Default: no rotation rule.
    The blend radius is on positions (xyz); translation and rotation are blended only within
    the start check's tolerances, so a prepared plan never goes out farther from the pose it
    was planned from than on arrival.
    """
    if not blend_m > 0:
        return False
    measured = np.asarray(measured, dtype=np.float64)
    remaining = float(np.linalg.norm(np.asarray(target)[:3] - np.asarray(setpoint)[:3]))
    if remaining > blend_m:
        return False  # most ticks: no rotation work (each poses_apart ~60 us)
    gap, turn = poses_apart(measured, np.asarray(setpoint, dtype=np.float64))
    gap_to_go, turn_to_go = poses_apart(measured, np.asarray(target, dtype=np.float64))
    return max(gap, gap_to_go) <= tolerance_m and max(turn, turn_to_go) <= tolerance_rad
