"""One plan's computation: encode the goal (once) and the frame, (async) imagine, run the planner.

The GPU (or CPU) work of ``MPCSession.plan_step``, run outside the session's lock.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from vjepa_ros.planning.rollout import ImaginedRollout
from vjepa_ros.robot.debug_view import compose_debug_image
from vjepa_ros.robot.interfaces import Planner, WorldModel
from vjepa_ros.robot.model_frame import ModelFrame
from vjepa_ros.robot.predicted_start import imagine_next_frame
from vjepa_ros.robot.subgoal import SubGoal


def compute_plan(model: WorldModel, planner: Planner, frame: np.ndarray, state: np.ndarray,
                 goal: SubGoal, want_debug: bool, should_stop: Callable[[], bool],
                 predicted_start: np.ndarray | None = None,
                 model_frame: ModelFrame | None = None, fixed_axes: tuple = ()):
    """Plan from a frame [H, W, 3] uint8 and the state [7] measured at it; return (plan, debug).

    With ``predicted_start`` [7] (async control) the plan starts there instead: from the
    predictor's imagined frame at that state, with the real frame kept in the predictor's cache
    (``predicted_start.imagine_next_frame``). ``should_stop`` becomes true when the result would
    be discarded; the planner then raises ``PlanCancelled``. ``debug`` is the current | goal |
    error image [224, 672, 3] uint8 when ``want_debug``, else None. Encoder and planner errors
    propagate (the session holds and reports them).

    ``model_frame`` (``control.model_frame_rpy_deg``, the camera check's correction): the states
    go to the model and the planner in the model's frame, and the returned plan's actions are in
    the base frame (``model_frame.ModelFrame``); None or the identity: no conversion.

    ``fixed_axes`` ((action index, value), ...; ``GoalSequence.fixed_axes``, in the model's
    frame): axes held at that value in this plan only (``goals.axes`` subgoal).
    """
    if model_frame is not None and not model_frame.identity:
        state = model_frame.state_to_model(state).numpy()
        if predicted_start is not None:
            predicted_start = model_frame.state_to_model(predicted_start).numpy()
        plan, debug = compute_plan(model, planner, frame, state, goal, want_debug, should_stop,
                                   predicted_start, fixed_axes=fixed_axes)
        return model_frame.plan_to_base(plan), debug
    if goal.reps is None:
        goal.reps = model.encode(goal.image[None])  # [1, N, D]
    reps = model.encode(frame[None])  # [1, N, D]
    context = {}
    start = state
    if predicted_start is not None:
        reps, context["context_cache"] = imagine_next_frame(model, reps, state, predicted_start)
        start = predicted_start
    state_tensor = torch.as_tensor(start, dtype=torch.float32)
    held = {"fixed_axes": tuple(fixed_axes)} if fixed_axes else {}  # the plan's, not the rollout's
    plan = planner.plan(reps, state_tensor, goal.reps, should_stop=should_stop, **context, **held)
    if not want_debug:
        return plan, None
    rollout = ImaginedRollout(model, reps, state_tensor, goal.reps, **context)
    with torch.inference_mode():
        imagined = rollout.imagine(plan.actions[None].to(rollout.device))  # [1, N, D]
    token_error = (imagined[0].float().cpu() - goal.reps[0].float().cpu()).abs().mean(-1)
    encoder = model.encoder
    grid = (model.img_size[0] // encoder.patch_size, model.img_size[1] // encoder.patch_size)
    return plan, compose_debug_image(frame, goal.image, token_error.numpy(), grid)


def error_line(exc: BaseException) -> str:
    """Return a planning failure in one line, for the refusal and ``~/plan_report``.

    ``torch.compile``'s failures (``model.compile_predictor``) with what to do
    (``models.compiled.compile_failure``); any other as its type and its message with the line
    breaks joined (``path_text.one_line``: torch's messages can run to several lines).
    """
    from vjepa_ros.models.compiled import compile_failure
    from vjepa_ros.path_text import one_line

    return compile_failure(exc) or f"{type(exc).__name__}: {one_line(str(exc))}"
