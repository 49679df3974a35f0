"""Offline evaluation: on the frames the robot saw, does the planner propose the moves it made.

For a recording resampled to the model's step rate (``recordings/resample.py``), at every step k:

1. plan with the CEM planner from frame k and state s_k toward the goal: frame k + goal_offset
   (default: the planner's horizon H), or one given goal image;
2. compare the planned first action with the motion the arm made over one step period from
   frame k's time t_k, s(t_k + period) ⊖ s(t_k) (``executed_period_actions``; sign agreement
   per axis, cosine similarity and magnitude error of Δxyz, on the steps that moved:
   ``metrics.moved``; a step whose period the state stream does not cover is left out of these
   and counted);
3. score, under the model and toward the same goal, the planned sequence [H, 7], the executed
   one, frame to frame as the model was trained (a_k … a_{k+H−1}, a_k = s_{k+1} ⊖ s_k:
   ``executed_actions``, which lead from s_k to the goal frame's state; a goal_offset above H:
   short of it, noted) and standing still (zero actions) with the planner's own rollout
   (``planning.ImaginedRollout``);
4. time the planning step.

Optionally the energy landscape of one step: the executed sequence with its first action's Δx and
Δz swept over a grid (the other entries as executed), like the paper's landscape figure.
The result is a JSON-ready dict (see ``report.py`` for files and plots).
"""

from __future__ import annotations

import dataclasses
import time
from pathlib import Path

import numpy as np
import torch

from vjepa_ros.eval import metrics
from vjepa_ros.eval.eval_config import EvalConfig, goal_offset_note
from vjepa_ros.eval.recording_summary import describe_recording
from vjepa_ros.eval.rep_memory import representations_problem
from vjepa_ros.eval.step_choice import bag_start_ns, choose_steps, decoded_steps, frames_of_steps
from vjepa_ros.eval.step_notes import period_xyz, step_notes, unmeasured_steps
from vjepa_ros.eval.stopped_eval import PARTIAL, keep_measured, partial_words
from vjepa_ros.planning import CEMConfig, ImaginedRollout, state_difference
from vjepa_ros.planning.planners import build_planner
from vjepa_ros.recordings.bag_arm_states import JointsToPose
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.recording import Recording
from vjepa_ros.recordings.resample import Steps
from vjepa_ros.robot.goal_switch_config import planner_settings
from vjepa_ros.robot.trained_model import gripper_rule


def _as_tensor(array) -> torch.Tensor:
    return torch.as_tensor(np.asarray(array, dtype=np.float32))


def executed_actions(steps: Steps, start: int, horizon: int) -> torch.Tensor:
    """Actions [H, 7] the robot executed from step ``start``: s_{k+1} ⊖ s_k, float32.

    Frame to frame, as the model was trained (``train`` reads them so): the executed sequence
    a_start … a_{start+H−1} leads from the state at frame ``start`` to the state at frame
    ``start + H``, the goal frame the energy is taken toward when the goal offset is the
    horizon (breaker44m); a larger offset's goal frame lies beyond it, as a note says
    (``eval_config.goal_offset_note``, breaker52b). The report's
    ``executed_action`` and the camera check read them too. Not the motion the planned first
    action is compared with (:func:`executed_period_actions`).
    """
    return torch.from_numpy(executed_step_actions(steps, np.arange(start, start + horizon)))


def executed_step_actions(steps: Steps, chosen) -> np.ndarray:
    """Return the frame-to-frame motions [K, 7] float32 of the ``chosen`` steps: s_{k+1} ⊖ s_k.

    The one definition of the executed motion toward the next frame (:func:`executed_actions`
    is H consecutive ones; the camera check's executed motions are these).
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    start = torch.as_tensor(steps.states[chosen], dtype=torch.float64)
    end = torch.as_tensor(steps.states[chosen + 1], dtype=torch.float64)
    return state_difference(start, end).float().numpy()


def executed_period_actions(steps: Steps, chosen) -> np.ndarray:
    """Return the motions [K, 7] float32 over one step period from the chosen steps' frames.

    s(t_k + period) ⊖ s(t_k) (``Steps.ends``): what the planned first action is compared with,
    whatever the camera's frame times (a 6 fps camera at --rate 4 would halve and double a
    frame-to-frame motion, breaker44i). Its Δxyz is ``step_notes.period_xyz``, the very array
    the notes read "moved" on; a row is NaN where the state stream does not cover the period
    (``Steps.end_problems``).
    """
    chosen = np.asarray(chosen, dtype=np.int64)
    begin = torch.as_tensor(steps.states[chosen], dtype=torch.float64)
    end = torch.as_tensor(steps.ends[chosen], dtype=torch.float64)
    actions = state_difference(begin, end).float().numpy()
    actions[:, :3] = period_xyz(steps, chosen)
    return actions


def encode_steps(model, recording: Recording, steps_of_frame: dict[int, list[int]],
                 batch: int, lost: dict | None = None):
    """Representations {step: [N, D] float32 CPU} of the steps' frames, and seconds per frame.

    ``steps_of_frame``: ``step_choice.frames_of_steps`` (frame index -> its steps). The frames
    are decoded in one pass over the bag and encoded ``batch`` at a time. ``lost``: a dict that
    takes the frames that do not decode (``Recording.iter_frames``), their steps left out of the
    representations; None: such a frame raises BagError.
    """
    reps, seconds, pending = {}, [], []

    def flush():
        began = time.perf_counter()
        encoded = model.encode(np.stack([frame for _, frame in pending]))
        if encoded.device.type == "cuda":
            torch.cuda.synchronize(encoded.device)
        seconds.extend([(time.perf_counter() - began) / len(pending)] * len(pending))
        for (index, _), rep in zip(pending, encoded.float().cpu(), strict=True):
            for k in steps_of_frame[index]:
                reps[k] = rep
        pending.clear()

    for index, frame in recording.iter_frames(list(steps_of_frame), lost=lost):  # one size
        pending.append((index, frame))
        if len(pending) == batch:
            flush()
    if pending:
        flush()
    return reps, seconds


def sequence_energies(model, cem: CEMConfig, context_reps, context_state, goal_reps,
                      actions: torch.Tensor) -> torch.Tensor:
    """Energies [S] of given action sequences [S, H, 7] under the model, as the planner scores."""
    rollout = ImaginedRollout(model, context_reps, context_state, goal_reps,
                              energy_kind=cem.energy, chunk_size=cem.chunk_size)
    with torch.inference_mode():
        return rollout.energies(actions).float().cpu()


def landscape(model, cem: CEMConfig, context_reps, context_state, goal_reps,
              executed: torch.Tensor, planned: torch.Tensor, points: int) -> dict:
    """Energies on a Δx × Δz grid of first actions (rest of the sequence as executed)."""
    reach = max(cem.maxnorm, 1.25 * float(executed[0, [0, 2]].abs().max()),
                1.25 * float(planned[0, [0, 2]].abs().max()))
    values = torch.linspace(-reach, reach, points)
    grid_x, grid_z = torch.meshgrid(values, values, indexing="xy")  # [Z, X]
    actions = executed.expand(points * points, -1, -1).clone()  # [G, H, 7]
    actions[:, 0, 0] = grid_x.reshape(-1)
    actions[:, 0, 2] = grid_z.reshape(-1)
    energies = sequence_energies(model, cem, context_reps, context_state, goal_reps, actions)
    return {
        "axes": ["dx", "dz"],
        "dx": values.tolist(),
        "dz": values.tolist(),
        "energy": energies.reshape(points, points).tolist(),  # [dz][dx]
        "executed": [float(executed[0, 0]), float(executed[0, 2])],
        "planned": [float(planned[0, 0]), float(planned[0, 2])],
        "held_fixed": "dy, rotation, gripper and later steps as executed",
    }


def describe_model(model) -> dict:
    """Return a few facts about the world model for the report."""
    predictor = getattr(model, "predictor", None)
    return {
        "type": type(model).__name__,
        "device": str(getattr(model, "device", "?")),
        "dtype": str(getattr(model, "dtype", "?")).replace("torch.", ""),
        "torch_threads": torch.get_num_threads(),  # CPU threads the encoding and plans ran on
        "tokens_per_frame": getattr(model, "tokens_per_frame", None),
        "embed_dim": getattr(model, "embed_dim", None),
        "predictor_parameters": int(sum(p.numel() for p in predictor.parameters()))
        if isinstance(predictor, torch.nn.Module) else None,
    }


def landscape_step(config: EvalConfig, chosen: list[int], dropped: bool = False) -> int | None:
    """Return the step whose energy landscape eval computes (None: ``landscape_points`` 0).

    ``config.landscape_step`` -1: the first of ``chosen`` (the steps evaluated, those whose
    frames did not decode left out); another: that step. Raises ValueError, in one line, for a
    step not among ``chosen``; ``dropped`` (steps whose frames did not decode were left out of
    ``chosen``): such a step may have gone with its frame, as a frame never recorded
    (docs/evaluation.md), which the line says.
    """
    if not config.landscape_points:
        return None
    at = chosen[0] if config.landscape_step < 0 else config.landscape_step
    if at not in chosen:
        why = ": its frame or its goal frame did not decode" if dropped else ""
        raise ValueError(f"landscape_step {config.landscape_step} is not an evaluated step{why} "
                         f"(evaluated: {chosen[0]}..{chosen[-1]}); give one of those, or -1 "
                         "for the first")
    return at


def evaluate_recording(
    recording: Recording,
    model,
    cem: CEMConfig,
    config: EvalConfig | None = None,
    goal_image: np.ndarray | None = None,
    progress: bool = False,
    before_planning=None,
    progress_label: str = "eval",
    say=None,
) -> dict:
    """Evaluate the planner on an indexed recording; return the report dict.

    ``before_planning``: called with the list of steps to evaluate once they are known and
    checked (their representations fit in memory, the planner's samples too) and their frames
    encoded, those whose frames did not decode left out, before the first step is planned
    (``vjepa-ros eval`` prints its CPU cost note there, counting the steps planned). Raises
    ValueError for a recording with no step to evaluate (:mod:`step_choice`), none that moved
    ``config.min_motion_m`` (``step_notes.still_arm_problem``) or too many to hold
    (:mod:`rep_memory`), and for a ``landscape_step`` not evaluated (:func:`landscape_step`;
    the default, -1, is the first step planned). Notes on the steps (dropped, standing still) end
    ``report["recording"]["notes"]``. ``progress_label``: the progress bar's label (``eval``;
    ``camera-check`` names each of its two searches).

    A stop (Ctrl-C: KeyboardInterrupt; SIGTERM: ``terminate.Terminated``) while the steps are
    planned is raised on as it came, carrying the report of the steps planned before it
    (``stopped_eval.measured``; its ``partial``: ``5 of 15 steps; stopped (interrupted)``),
    None before the first.
    """
    from tqdm import tqdm

    config = (config or EvalConfig()).check()
    horizon = cem.horizon
    steps, offset, chosen = choose_steps(recording, config, horizon, goal_image is not None)
    input_notes = [note for note in [goal_offset_note(offset, horizon)] if note]
    landscape_step(config, chosen)  # a step never evaluated: refused before encoding
    steps_of_frame = frames_of_steps(steps, chosen, offset)  # inspect decodes these too
    problem = representations_problem(model, len(steps_of_frame), len(chosen))
    if problem:
        raise ValueError(f"{recording.path}: {problem}")
    switching, gripper_note = gripper_rule(model, None)  # no gripper trained: held
    input_notes += [gripper_note] if gripper_note else []
    cem = planner_settings(cem, switching)
    planner = build_planner(model, cem, seed=config.seed)  # too many samples: before encoding
    started = time.perf_counter()
    lost: dict = {}  # frames that do not decode: their steps dropped, as a missing frame's
    reps, encode_seconds = encode_steps(model, recording, steps_of_frame, config.encode_batch,
                                        lost)
    if lost:
        chosen, lost_said = decoded_steps(recording, chosen, offset, reps, lost,
                                           len(steps_of_frame))
        input_notes.append(lost_said)  # the partial report's notes too
        if say is not None:
            say(lost_said)
    landscape_at = landscape_step(config, chosen, bool(lost))
    # the notes and the cost note count the steps planned, the dropped ones left out
    notes = step_notes(recording, steps, chosen, config.min_motion_m, config.max_state_gap_s)
    if before_planning is not None:
        before_planning(chosen)
    fixed_goal = None
    if goal_image is not None:
        fixed_goal = model.encode(np.asarray(goal_image)[None]).float().cpu()[0]

    period = executed_period_actions(steps, chosen)  # [K, 7]: compared with the first action
    records, previous = [], None
    landscape_report = None
    t0 = bag_start_ns(recording)  # time_s: seconds after it, as --start / --end count
    bar = tqdm(chosen, desc=progress_label, unit="step", disable=not progress)
    try:
        for k, first in zip(bar, period, strict=True):
            if previous is None or k != previous + 1:
                planner.reset()  # warm start only across consecutive steps
            previous = k
            context = reps[k][None]
            goal = (fixed_goal if offset is None else reps[k + offset])[None]
            state = _as_tensor(steps.states[k])
            result = planner.plan(context, state, goal)
            executed = executed_actions(steps, k, horizon)  # [H, 7], frame to frame
            energies = sequence_energies(model, cem, context, state, goal,
                                         torch.stack([result.actions, executed,
                                                      torch.zeros_like(executed)]))
            scape = None
            if k == landscape_at:
                scape = landscape(model, cem, context, state, goal, executed, result.actions,
                                  config.landscape_points)
                scape["step"] = k
            records.append({
                "step": k,
                "time_s": float(steps.frame_times[k] - t0) / 1e9,
                "goal_step": None if offset is None else k + offset,
                "state": steps.states[k].tolist(),
                "planned_action": result.first_action.tolist(),
                "executed_action": executed[0].tolist(),  # s_{k+1} ⊖ s_k
                # s(t_k + period) ⊖ s(t_k), what planned_action is scored against; None: unknown
                "executed_period_action": first.tolist() if np.isfinite(first).all() else None,
                "energy_planned": float(energies[0]),
                "energy_executed": float(energies[1]),
                "energy_still": float(energies[2]),  # the arm standing still (zero actions)
                "elite_energies": result.elite_energies.tolist(),
                "plan_s": float(result.timings["total"]),
            })
            landscape_report = scape or landscape_report  # with its step's record (a stop)
    except KeyboardInterrupt as stop:  # Ctrl-C, SIGTERM: the steps done go on with it
        bar.close()
        done = chosen[:len(records)]  # the partial's notes count its own steps, as its summary
        keep_measured(stop, None if not records else {
            **build_report(recording, steps, model, cem, config, records, encode_seconds,
                           time.perf_counter() - started, landscape_report,
                           goal_image is not None,
                           [*step_notes(recording, steps, done, config.min_motion_m,
                                        config.max_state_gap_s), *input_notes]),
            PARTIAL: partial_words(len(records), len(chosen), stop)})
        raise
    total_s = time.perf_counter() - started
    return build_report(recording, steps, model, cem, config, records, encode_seconds, total_s,
                        landscape_report, goal_image is not None, [*notes, *input_notes])


def build_report(recording, steps, model, cem, config, records, encode_seconds, total_s,
                 landscape_report, fixed_goal: bool, notes: list[str] = ()) -> dict:
    compared = [r for r in records if r.get("executed_period_action") is not None]
    planned = np.array([r["planned_action"] for r in compared]).reshape(-1, 7)
    executed = np.array([r["executed_period_action"] for r in compared]).reshape(-1, 7)
    summary = {
        "steps_evaluated": len(records),
        "actions": {**metrics.summarize_actions(planned, executed, config.min_motion_m),
                    # evaluated steps left out: their period's motion is not known, per reason
                    "unmeasured_steps": unmeasured_steps(steps, [r["step"] for r in records])},
        "energy": metrics.summarize_energies([r["energy_planned"] for r in records],
                                             [r["energy_executed"] for r in records]),
        "latency_s": {
            "plan": metrics.percentiles([r["plan_s"] for r in records]),
            "encode_per_frame": metrics.percentiles(encode_seconds),
        },
        "wall_s": total_s,
        "steps_per_s": len(records) / total_s if total_s > 0 else None,
    }
    return {
        "recording": describe_recording(recording, steps, notes),
        "model": describe_model(model),
        "planner": dataclasses.asdict(cem),
        # the bound in effect (the setting's 0: half a step), not a 0.0 that reads as measured
        "eval": {**dataclasses.asdict(config), "goal": "image" if fixed_goal else "frame",
                 "max_frame_offset_s": config.max_frame_offset_s or 0.5 / config.rate_hz},
        "summary": summary,
        "steps": records,
        "landscape": landscape_report,
    }


def evaluate_bag(
    bag: str | Path,
    model,
    cem: CEMConfig,
    config: EvalConfig | None = None,
    topics: BagTopics | None = None,
    goal_image: np.ndarray | None = None,
    progress: bool = False,
    joints_to_pose: JointsToPose | None = None,
) -> dict:
    """Read a rosbag2 bag (MCAP or SQLite3) and evaluate the planner on it (the report dict).

    ``topics`` None: the default topics, the fingers read at the opening the bag's hand record
    gives when the reading follows it (``recorded_hand.opening_read``), as the command not given
    ``--gripper-max-width``; given: at its ``gripper_max_width``.
    """
    recording = read_recording(bag, topics, joints_to_pose,
                               recorded_opening=topics is None)
    return evaluate_recording(recording, model, cem, config, goal_image, progress)
