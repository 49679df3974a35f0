"""The planner's inputs checked once: representations layer-normed, the state in the model's units.

V-JEPA 2-AC plans from representations put through ``layer_norm`` over the feature dim without
affine parameters (facts §4; ``WorldModel.encode`` does it; goal frames the same way) and from an
end-effector state [7]: xyz [m] in the arm's base frame, extrinsic xyz Euler angles [rad] as
scipy's ``as_euler("xyz")`` gives them (DROID's states: roll and yaw in [-π, π], pitch in
[-π/2, π/2]) and the gripper closedness in [0, 1]. Inputs that pass a shape and NaN check but
are none of these plan a wrong motion without a word: an encoder's own affine final norm
(1.7·x + 0.4) planned the goal's opposite direction (breaker56c), a state in degrees or with a
raw 0-255 gripper reading plans from a state the model never saw. :func:`as_reps` and
:func:`as_state` refuse those (ValueError naming the tensor, the entry and what to do); an
orientation written outside scipy's ranges is canonicalised (the same rotation), as
``pose.apply_action`` writes the imagined states that follow it. Valid inputs pass bit for bit.
"""

import math
import weakref

import torch

from vjepa_ros.planning.pose import euler_to_quat, quat_to_euler
from vjepa_ros.state_limits import (
    ONE_TURN_RAD,
    closedness_problem,
    first_outside,
    reach_problem,
)

# A token put through layer_norm without affine weights has mean 0 and (biased) std
# sqrt(var / (var + eps)) over its features: ~1, never above 1 (0 for a constant token, as a
# random-weights encoder gives for a blank frame); float16/bfloat16 rounding moves both by well
# under 0.01. An affine final norm (weights ~1.7, bias ~0.4) or raw encoder features lie beyond.
LAYER_NORM_TOLERANCE = 0.1
# Orientations within this of scipy's ranges are taken as they are: float32 π (3.1415927) lies
# 8.7e-8 beyond math.pi, and such an angle is canonical in float32.
CANONICAL_SLACK_RAD = 1e-6


def as_reps(name: str, reps: torch.Tensor, tokens: int, width: int,
            remember: bool = False) -> torch.Tensor:
    """Return ``reps`` as [1, N, D] (given [1, N, D] or [N, D]) after checking them.

    ``name``: ``context_reps`` or ``goal_reps``, named in the errors. Raises TypeError for a
    non-tensor; ValueError for another shape, token count ``tokens`` or width ``width``, a NaN or
    inf, or a token that is not layer-normed (:func:`layer_norm_problem`). Values unchanged.
    ``remember``: the tensor is remembered once it passes (the last one so remembered: the
    tensor weakly and a copy of its values), and that same tensor is not checked for NaN or norm
    again while its values equal the copy (``torch.equal``: one read of both, about a tenth of
    the check, :func:`layer_norm_problem`): a goal is encoded once and planned towards every
    step; the context, new each frame, is not remembered. Compared by value, not by torch's
    in-place version counter, which misses changes: an inference tensor keeps none, and writes
    through memory torch shares (``torch.from_numpy``'s array, ``tensor.numpy()``,
    ``tensor.data``, DLPack, another process) do not bump it (breaker58c).
    """
    if not isinstance(reps, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(reps).__name__}")
    given = reps  # remembered as given: [N, D] gets a new [1, N, D] view each call
    if reps.ndim == 2:
        reps = reps[None]
    if reps.ndim != 3 or reps.shape[0] != 1:
        raise ValueError(f"{name} must have shape [1, N, D] or [N, D], got {list(reps.shape)}")
    if reps.shape[1] != tokens:
        raise ValueError(
            f"{name} has {reps.shape[1]} tokens per frame but the predictor expects {tokens}"
        )
    if reps.shape[2] != width:
        raise ValueError(f"{name} has width {reps.shape[2]} but the predictor expects {width}")
    if remember and _PASSED.holds(given):
        return reps
    if not torch.isfinite(reps).all():
        raise ValueError(f"{name} contains NaN or inf")
    problem = layer_norm_problem(reps)
    if problem:
        raise ValueError(f"{name} {problem}")
    if remember:
        _PASSED.keep(given)
    return reps


class _LastPassed:
    """The last tensor :func:`as_reps` found finite and layer-normed with ``remember``.

    Held weakly (a dropped goal is not kept alive; its copy goes with it), beside a copy of its
    values as they passed: the same tensor holding the same values passes again; changed in
    place by any route, it is checked again. One slot, replaced whole (a tuple), so threads
    planning towards other goals at most check again.
    """

    def __init__(self):
        self.slot: tuple = (None, None)  # (weakref to the tensor, its values as they passed)

    def holds(self, tensor: torch.Tensor) -> bool:
        ref, values = self.slot
        return ref is not None and ref() is tensor and torch.equal(tensor, values)

    def keep(self, tensor: torch.Tensor) -> None:
        self.slot = (weakref.ref(tensor, self._dropped), tensor.detach().clone())

    def _dropped(self, ref: weakref.ref) -> None:
        if self.slot[0] is ref:  # the kept tensor is gone: its copy too
            self.slot = (None, None)


_PASSED = _LastPassed()


def layer_norm_problem(reps: torch.Tensor) -> str:
    """Say why representations [..., N, D] are not layer-normed ("" when every token is).

    A parameter-free layer norm leaves every token's mean over its D features at 0 and its
    biased std at most 1: a mean beyond :data:`LAYER_NORM_TOLERANCE` of 0 (an affine bias) or a
    std beyond 1 + :data:`LAYER_NORM_TOLERANCE` (affine weights above 1, raw features) is
    refused; the token farthest off is named. Affine weights all below 1 with no bias pass
    (nothing tells them from a token of small variance). Computed in float32 over all tokens:
    about 3x the cost of ``torch.isfinite(reps).all()``.
    """
    variance, mean = torch.var_mean(reps.detach().float(), -1, correction=0)  # one pass
    mean, std = mean.reshape(-1), variance.sqrt().reshape(-1)
    off = torch.maximum(mean.abs(), std - 1)
    worst = int(off.argmax())
    if float(off[worst]) <= LAYER_NORM_TOLERANCE:
        return ""
    width = reps.shape[-1]
    return (f"is not layer-normed: token {worst} has mean {float(mean[worst]):.3g} and std "
            f"{float(std[worst]):.3g} over its {width} features (0 and at most 1 when normed): "
            f"apply torch.nn.functional.layer_norm(reps, ({width},)) without affine weights, as "
            "WorldModel.encode does (an encoder's own final norm has affine weights)")


def as_state(state) -> torch.Tensor:
    """Return the context state [7] float32 (given [7] or [1, 7]) in the model's conventions.

    Raises ValueError naming ``context_state`` for another shape, a NaN or inf, an xyz beyond a
    Franka's reach (millimetres given as metres; ``state_limits.reach_problem``), an Euler angle
    beyond one turn (degrees given as radians) or a gripper closedness outside [0, 1] by more
    than ``state_limits.CLOSEDNESS_TOLERANCE`` (a raw 0-255 reading, a percentage). An
    orientation outside scipy's extrinsic xyz ranges (roll/yaw beyond ±π, pitch beyond ±π/2 by
    more than :data:`CANONICAL_SLACK_RAD`) is returned as the canonical angles of the same
    rotation (``pose.quat_to_euler``, the angles every imagined state after it has); a
    canonical state is returned bit for bit.
    """
    state = torch.as_tensor(state)
    if state.shape not in ((7,), (1, 7)):
        raise ValueError(f"context_state must have shape [7] or [1, 7], got {list(state.shape)}")
    state = state.reshape(7).float()
    if not torch.isfinite(state).all():
        raise ValueError("context_state contains NaN or inf")
    problem = state_units_problem(state)
    if problem:
        raise ValueError(f"context_state{problem}")
    angles = state[3:6].double()
    limits = torch.tensor([math.pi, math.pi / 2, math.pi], dtype=torch.float64)
    if bool((angles.abs() > limits + CANONICAL_SLACK_RAD).any()):
        state = state.clone()
        state[3:6] = quat_to_euler(euler_to_quat(angles)).float()
    return state


def state_units_problem(state: torch.Tensor) -> str:
    """Say which entry of a state [7] float32 is not in the model's units ("" when none is)."""
    values = state.double().cpu().numpy()
    reach = reach_problem(values[:3], what="state")
    if reach:
        return f"[0:3]: {reach}"
    # beyond one turn: refused (as robot.state_ranges.euler_problem reads it); within:
    # canonicalised
    turn = first_outside(values[3:6], -ONE_TURN_RAD, ONE_TURN_RAD, 0.0)
    if turn is not None:
        return (f"[{3 + turn}] (Euler angle) = {values[3 + turn]:g} lies beyond one turn "
                f"(±{ONE_TURN_RAD:.4g} rad): the orientation must be extrinsic xyz Euler angles "
                "in radians (given in degrees? or unwrapped past a turn: wrap it into [−π, π])")
    return closedness_problem(values[6], "[6] (gripper closedness)")
