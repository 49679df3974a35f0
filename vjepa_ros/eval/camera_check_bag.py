"""The offline camera check: a recorded bag → the model's frame, the verdict, the correction.

The bag is read and resampled exactly as ``vjepa-ros eval`` does (``recordings.bags``
and ``.resample``); the model's inferred motion of every step is the evaluation's planned first
action with horizon 1 toward the frame one step later (``evaluate.evaluate_recording`` with
``goal_offset`` 1: the inverse model through the predictor that ``camera_check`` describes), and
the executed one is ``s_{k+1} ⊖ s_k``; the share of the frame change it explains comes from the
evaluation's energies of the planned action and of standing still. The evaluation runs twice,
with independent search noise (seeds ``seed`` and ``camera_check_search.repeat_seed``), so the
verdict knows whether the search is strong enough to be trusted (twice the planning time).
Those go to ``camera_check.check_motions``.
A bag of the live check's motions, or any run where the arm moved a few cm along each base axis,
gives a determined rotation; a bag that moves along one line only is refused with that reason.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_inference import explained_share
from vjepa_ros.eval.camera_check_motions import long_enough, usable_motions
from vjepa_ros.eval.camera_check_result import CameraCheckResult
from vjepa_ros.eval.camera_check_search import repeat_seed
from vjepa_ros.eval.camera_check_stopped import stopped_check
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds, check_eval_config
from vjepa_ros.eval.camera_check_unchanged import (
    REPEAT,
    SAME,
    first_seen,
    picture,
    refuse_stale,
    same_picture,
)
from vjepa_ros.eval.evaluate import evaluate_recording, executed_step_actions
from vjepa_ros.eval.step_choice import decoded_steps, frames_of_steps, step_span, valid_steps
from vjepa_ros.eval.stopped_eval import keep_measured, measured
from vjepa_ros.recordings.bag_arm_states import JointsToPose
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.recording import Recording

# The steps the check evaluates: horizon 1, goal offset 1 (each needs one valid step after it).
HORIZON, GOAL_OFFSET = 1, 1
STEP_SPAN = step_span(HORIZON, GOAL_OFFSET)


def check_executed_motions(recording: Recording, thresholds: CheckThresholds, config) -> None:
    """Refuse, before any planning, a bag whose executed motions cannot determine a rotation.

    The steps and executed motions are those the evaluation will use (``config``: its
    ``EvalConfig``, goal offset 1, horizon 1; picked by ``step_choice.valid_steps``, as eval's
    ``choose_steps`` picks them). ValueError naming the bag (as ``usable_motions`` says); when
    ``config.max_steps`` cut off later steps that do determine it, the error says so and gives
    the ``max_steps`` that takes them; ``step_choice.no_step_message`` when no step can be
    evaluated (in the ``start_s``..``end_s`` window).
    """
    steps, every, chosen = valid_steps(recording, config, HORIZON, GOAL_OFFSET)
    try:
        usable_motions(executed_step_actions(steps, chosen), thresholds)
    except ValueError as exc:
        enough = _steps_enough(steps, every, len(chosen), thresholds)
        if not enough:
            raise ValueError(f"{recording.path}: {exc}") from None
        # usable_motions says "camera check: <what is missing>: <what to record>"; the
        # recording is not the fix here, the cap is
        reason = str(exc).split(": ", 2)[1]
        raise ValueError(
            f"{recording.path}: camera check: in the first {len(chosen)} steps (max_steps "
            f"{config.max_steps}), {reason}; the bag moves enough later: give max_steps "
            f"{enough} or more (0: all {len(every)} steps)") from None


def _steps_enough(steps, every, taken: int, thresholds: CheckThresholds) -> int:
    """Return how many of the steps ``every`` first determine a rotation, beyond ``taken``.

    0 when ``taken`` is all of them, or when even all of them do not determine it.
    """
    if taken >= len(every):
        return 0
    executed = executed_step_actions(steps, every)
    try:
        used = usable_motions(executed, thresholds)
    except ValueError:
        return 0
    for count in np.flatnonzero(used)[thresholds.min_motions - 1:] + 1:
        try:
            usable_motions(executed[:count], thresholds)
        except ValueError:
            continue
        return int(count)
    return len(every)


@dataclasses.dataclass(frozen=True)
class StaleSteps:
    """Which steps' frames are stale, and the motion the frames show where they repeat images.

    ``reasons``: {step: why its frames are stale ("" not)}. ``executed``: {step: Δxyz [3] [m]}
    for the steps whose frame before or after repeats an image taken at another step (a camera
    publishing each image twice): their motion as the frames show it, from where the frame
    before's image was taken to where the frame after's was (``camera_check_unchanged``
    ``first_seen``), replacing ``s_{k+1} ⊖ s_k``'s position part.
    """

    reasons: dict[int, str]
    executed: dict[int, np.ndarray]
    # the note on frames that did not decode, whose steps are left out of ``reasons`` ("": none)
    lost_note: str = ""


def unchanged_steps(recording: Recording, thresholds: CheckThresholds, config) -> StaleSteps:
    """Return, for the steps eval will plan, why each one's frames are stale ("" not).

    The steps as :func:`check_executed_motions` picks them; one pass over the image topic,
    keeping a sample per frame (``camera_check_unchanged.picture``). A step is stale when its
    frame one step later is the same picture as its own (a duplicated message, a frozen
    camera, one with an overlaid counter; two steps on one frame), or when its frames repeat
    images taken elsewhere so that they show less than ``min_motion_m`` of motion; a step whose
    frames repeat images taken elsewhere but still show a motion is kept as the frames show it
    (``StaleSteps.executed``). Each frame is compared with every frame of the check before it.
    Raises ValueError naming the bag and its image topic, before any planning, when every
    motion the check uses is stale (``camera_check_unchanged.frames_changed``) or too few are
    left without them (``too_few_changed``: how many were skipped).

    A frame that does not decode is read as one never recorded, as eval reads it: the steps
    from it or toward it are left out (eval's ``step_choice.decoded_steps``, whose one-line
    refusal comes when none is left), said in ``StaleSteps.lost_note``; too few motions left
    without them is refused as :func:`check_executed_motions` refuses a bag, the note appended.
    """
    steps, _, chosen = valid_steps(recording, config, HORIZON, GOAL_OFFSET)
    frames = frames_of_steps(steps, chosen, GOAL_OFFSET)
    lost: dict = {}  # frames that do not decode: their steps dropped, as eval drops them
    # one frame at a time: only the small pictures are kept (a long bag's frames are ~1 GB)
    pictures = {index: picture(frame) for index, frame in recording.iter_frames(
        list(frames), lost=lost)}
    lost_said = ""
    if lost:
        decoded = {k for index in pictures for k in frames[index]}
        chosen, lost_said = decoded_steps(recording, chosen, GOAL_OFFSET, decoded, lost,
                                          len(frames))
        try:
            usable_motions(executed_step_actions(steps, chosen), thresholds)
        except ValueError as exc:
            raise ValueError(f"{recording.path}: {exc}; {lost_said}") from None
    order = sorted({k + shift for k in chosen for shift in (0, GOAL_OFFSET)})
    indices = [int(steps.frame_indices[k]) for k in order]
    origins = dict(zip(order, (order[i] for i in first_seen(
        [pictures[index] for index in indices], steps.states[order], thresholds.min_motion_m)),
        strict=True))
    executed = executed_step_actions(steps, chosen).astype(np.float64)
    reasons, shown = [], {}
    for row, k in enumerate(chosen):
        before, after = origins[k], origins[k + GOAL_OFFSET]
        reason = ""
        if same_picture(pictures[int(steps.frame_indices[k])],
                        pictures[int(steps.frame_indices[k + GOAL_OFFSET])]):
            reason = SAME
        elif (before, after) != (k, k + GOAL_OFFSET):
            motion = steps.states[after][:3] - steps.states[before][:3]
            if np.linalg.norm(motion) < thresholds.min_motion_m:
                reason = REPEAT
            else:
                shown[k] = executed[row, :3] = motion
        reasons.append(reason)
    stale = np.array([bool(reason) for reason in reasons])
    try:
        refuse_stale(executed, thresholds, long_enough(executed, thresholds), stale,
                     recording.image_topic, live=False)
    except ValueError as exc:
        raise ValueError(f"{recording.path}: {exc}") from None
    return StaleSteps(dict(zip(chosen, reasons, strict=True)), shown, lost_said)


# the progress bars of the two searches (the second: another seed, for their disagreement)
SEARCH_LABELS = ("camera-check search 1 of 2", "camera-check search 2 of 2 (another seed)")


def check_recording(recording: Recording, model, cem, thresholds: CheckThresholds | None = None,
                    rate_hz: float = 4.0, max_steps: int = 0, seed: int = 0,
                    progress: bool = False, max_state_gap_s: float = 0.1,
                    window_s: tuple[float, float] = (0.0, 0.0), before_planning=None,
                    say=None) -> tuple[CameraCheckResult, dict]:
    """Run the camera check on an indexed recording; return (result, the evaluation report).

    ``cem``: the planner settings of the search (horizon forced to 1). The report is the first
    search's (``seed``); the second's (``repeat_seed(seed)``) only gives ``result.search``.
    ``window_s``: (start_s, end_s) [s] of the bag used, as eval's ``--start`` / ``--end`` (0: not
    set). ``before_planning``: called with the chosen steps before the first search plans
    (``evaluate_recording``'s; ``camera-check`` prints its CPU cost note, both searches counted,
    there). ``say``: called with the one note on frames that do not decode (read as missing,
    their motions dropped: :func:`unchanged_steps`), before planning. Raises ValueError (a
    one-line reason naming the bag) when the bag has too little or too one-sided motion, the
    window holds no frame with states, or the frames on its image topic do not change or too
    few change, or too few are left once those that do not decode are dropped
    (:func:`unchanged_steps`, all before planning);
    motions whose frames are stale are left out of the verdict, which says how many
    (``result.skipped_note``) and which (``result.skipped``). A stop (Ctrl-C, SIGTERM) during
    either search is raised on as it came, carrying a ``camera_check_stopped.StoppedCheck``
    (``stopped_eval.measured``): the first search's motions so far, judged without the second.
    """
    thresholds = thresholds or CheckThresholds()
    cem = cem.with_(horizon=1)
    config = check_eval_config(thresholds, rate_hz, max_steps, seed, max_state_gap_s, *window_s)
    check_executed_motions(recording, thresholds, config)  # seconds, not minutes of planning
    unchanged = unchanged_steps(recording, thresholds, config)
    if unchanged.lost_note and say is not None:
        say(unchanged.lost_note)

    def judged(report: dict, again: dict | None) -> CameraCheckResult:
        return _check_searched(recording, report, again, unchanged, thresholds, cem)

    first = None
    try:
        first = evaluate_recording(recording, model, cem, config, progress=progress,
                                   before_planning=before_planning,
                                   progress_label=SEARCH_LABELS[0])
        again = evaluate_recording(recording, model, cem,
                                   dataclasses.replace(config, seed=repeat_seed(seed)),
                                   progress=progress, progress_label=SEARCH_LABELS[1])
    except KeyboardInterrupt as stop:  # what was searched goes on with it (stopped_eval)
        chosen = len(unchanged.reasons)  # the steps planned: those of lost frames left out
        keep_measured(stop, stopped_check(
            stop, measured(stop) if first is None else first,
            measured(stop) if first is not None else None, chosen,
            lambda report: judged(report, None)))
        raise
    return judged(first, again), first


def _check_searched(recording: Recording, report: dict, again: dict | None,
                    unchanged: StaleSteps, thresholds: CheckThresholds,
                    cem) -> CameraCheckResult:
    """Return the check of the motions ``report`` searched (``again``: the second search's).

    ``again`` None: no test of the search's strength (a check a stop cut short). ValueError
    naming the bag when the motions do not determine a verdict (``check_motions``).
    """
    # frame k to frame k+1, as the inferred motion toward frame k+1 (not executed_period_action)
    executed = np.array([r["executed_action"] for r in report["steps"]], dtype=np.float64)
    shown = unchanged.executed  # motions as their repeated frames show them
    for row, r in enumerate(report["steps"]):
        if r["step"] in shown:
            executed[row, :3] = shown[r["step"]]
    inferred = np.array([r["planned_action"] for r in report["steps"]])
    repeat = None if again is None else np.array([r["planned_action"] for r in again["steps"]])
    explained = explained_share([r["energy_planned"] for r in report["steps"]],
                                [r["energy_still"] for r in report["steps"]])
    try:
        return check_motions(executed, inferred, thresholds, explained, repeat,
                             (cem.samples, cem.iterations),
                             unchanged=[unchanged.reasons[r["step"]] for r in report["steps"]],
                             image_topic=recording.image_topic)
    except ValueError as exc:
        raise ValueError(f"{recording.path}: {exc}") from None


def check_bag(bag: str | Path, model, cem, thresholds: CheckThresholds | None = None,
              topics: BagTopics | None = None, rate_hz: float = 4.0, max_steps: int = 0,
              seed: int = 0, progress: bool = False,
              joints_to_pose: JointsToPose | None = None) -> tuple[CameraCheckResult, dict]:
    """Read a rosbag2 bag (MCAP or SQLite3) and run the camera check on it (see the module).

    ``topics`` None: the default topics, the fingers read at the opening the bag's hand record
    gives when the reading follows it (``recorded_hand.opening_read``), as the command not given
    ``--gripper-max-width``; given: at its ``gripper_max_width``.
    """
    recording = read_recording(bag, topics, joints_to_pose,
                               recorded_opening=topics is None)
    return check_recording(recording, model, cem, thresholds, rate_hz, max_steps, seed, progress)
