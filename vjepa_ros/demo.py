"""The end-to-end example: real Franka frames -> encoder -> CEM planner -> the first action.

Encodes the first example frame (context) and the second (goal), plans one replanning step from the
first frame's end-effector state toward the goal, and compares the planned move with the move the
robot actually made between the two frames. With ``--checkpoint`` it runs Meta's published model
(``vjepa2-ac-vitg.pt``); without one it builds the V-JEPA 2 architecture at a small size with
random weights, which shows the whole pipeline and its timing, not a trained model's decisions.
"""

from __future__ import annotations

import math
import time

import numpy as np
import torch

from vjepa_ros.eval.eval_config import EvalConfig
from vjepa_ros.example_episode import (  # noqa: F401 (its names here)
    Example,
    load_example,
    several_episodes_message,
)
from vjepa_ros.input_paths import world_model_error
from vjepa_ros.models import WorldModel, build_encoder, build_predictor, load_world_model
from vjepa_ros.models.checkpoint_entries import ENTRY_FIXED
from vjepa_ros.models.errors import CheckpointError
from vjepa_ros.models.preprocess import DROID_ASPECT_RATIO_RANGE
from vjepa_ros.planning.config import preset
from vjepa_ros.planning.planners import make_planner
from vjepa_ros.planning.pose import state_difference
from vjepa_ros.threads import threads_text

# A small V-JEPA 2 / AC predictor for CPU runs (same architecture, 256 px, 16x16 tokens per frame).
SMALL_ENCODER = dict(img_size=256, embed_dim=192, depth=4, num_heads=3)
SMALL_PREDICTOR = dict(img_size=256, embed_dim=192, predictor_embed_dim=192, depth=4, num_heads=3)


# What load_planning_model says it loaded without a checkpoint (``world model   ...``)
RANDOM_MODEL_SOURCE = ("small V-JEPA 2 architecture, RANDOM weights (pass --checkpoint for real "
                       "ones)")
# load_example's ``single`` words: the demo plans on one episode of a file, never the others
# dropped without a word (as bag-from-npz refuses it)
ONE_EPISODE = ("the demo plans on one, nothing planned", "give each to vjepa-ros demo --episode")
DEMO_MODEL_PX = 128  # the packaged demo model's input (and trained frame) size [px], square
# frame_size_note's words for the random model: upsampling costs it nothing; the demo model's size
RANDOM_MODEL_SIZE_WORDING = {
    "model": "the small random model",
    "risk": "its weights are random (no --checkpoint), so that loses nothing",
    "advice": f"the packaged demo model (--checkpoint demo) takes {DEMO_MODEL_PX}x{DEMO_MODEL_PX} "
              "px frames"}


def small_random_world_model(device=None, dtype=None, seed: int = 0,
                             aspect_ratio_range=None) -> WorldModel:
    """Build the V-JEPA 2 architecture at a small size with random weights (no download).

    ``aspect_ratio_range``: (min, max) w/h centre crop; None: DROID's.
    """
    torch.manual_seed(seed)
    return WorldModel(
        build_encoder(**SMALL_ENCODER), build_predictor(**SMALL_PREDICTOR), device, dtype,
        aspect_ratio_range=aspect_ratio_range or DROID_ASPECT_RATIO_RANGE,
    )


def load_planning_model(checkpoint=None, device=None, dtype=None, seed: int = 0,
                        encoder: dict | None = None, predictor: dict | None = None,
                        option: str = "--checkpoint", aspect_ratio_range=None):
    """Return (model with a predictor, its origin): a checkpoint, else the small random one.

    ``encoder``/``predictor``: official hyper-parameters for the checkpoint (see
    ``load_world_model``); refused without a checkpoint. ``demo`` names the packaged demo world
    model, as for ``vjepa-ros run`` and the benchmarks. ``aspect_ratio_range``: (min, max) w/h
    centre crop; None: the one the file records, else DROID's (the planner node's
    ``model.aspect_ratio_min/max`` 0). A file that is no world model, or none to plan with,
    raises ValueError naming ``option`` (``input_paths.world_model_error``).
    """
    given = checkpoint
    if checkpoint == "demo":
        from vjepa_ros.sim.reach_config import resolve_checkpoint

        checkpoint = resolve_checkpoint("", option)
    if checkpoint:
        try:
            model = load_world_model(checkpoint, device=device, dtype=dtype, encoder=encoder,
                                     predictor=predictor, aspect_ratio_range=aspect_ratio_range,
                                     need_predictor=True, key_options=ENTRY_FIXED)
        except CheckpointError as exc:
            raise world_model_error(exc, checkpoint, option, str(given)) from None
        return model, str(checkpoint)
    if encoder or predictor:
        raise ValueError("--encoder-arg/--predictor-arg describe a --checkpoint; none given")
    model = small_random_world_model(device, dtype, seed, aspect_ratio_range)
    return model, RANDOM_MODEL_SOURCE


def random_model_wording(source: str) -> dict:
    """Return :data:`RANDOM_MODEL_SIZE_WORDING` for the random model's ``source``, else {}."""
    return RANDOM_MODEL_SIZE_WORDING if source == RANDOM_MODEL_SOURCE else {}


def first_moving_step(states, min_motion_m: float) -> int | None:
    """Return the first step ``t`` whose move ``states[t] -> states[t + 1]`` [m] is long enough.

    ``states``: [T, 7] float (x, y, z in m first); a step counts when its translation is at
    least ``min_motion_m`` [m] (eval's ``min_motion_m``). None: no step moves that far.
    """
    long_enough = np.linalg.norm(np.diff(states[:, :3].astype(float), axis=0), axis=1) \
        >= min_motion_m
    return int(long_enough.argmax()) if long_enough.any() else None


def _mm(states, step: int) -> str:
    """Return the length of step ``step``'s translation in millimetres, as text."""
    move = states[step + 1, :3].astype(float) - states[step, :3]
    return f"{np.linalg.norm(move) * 1e3:.1f} mm"


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    denom = float(a.norm() * b.norm())
    return float(a @ b) / denom if denom > 0 else float("nan")


def _check_plannable(episode, example: Example) -> None:
    """Raise ValueError (one line naming the file) for an episode the demo must not plan on.

    Frames the planner node refuses for their size (``image_limits.image_size_problem``: under
    32 px a side, a long side over 4 times the short one), as eval's and camera-check's
    ``Recording.check_plannable_size``: no plan is scored on them. (A file of several episodes
    is refused as it is read: :data:`ONE_EPISODE`.)
    """
    from vjepa_ros.image_limits import image_size_problem
    from vjepa_ros.path_text import shown_path

    if episode is None:  # the packaged example: one episode, 256x256
        return
    height, width = example.frames.shape[1:3]
    problem = image_size_problem(width, height, "the planner node refuses such frames, nothing "
                                 "planned: give the camera's frames at its own resolution "
                                 "(e.g. 640x480)")
    if problem:
        raise ValueError(f"{shown_path(episode)}: each frame {problem}")


def run_demo(checkpoint=None, episode=None, cem_preset="notebook", device=None, dtype=None,
             seed=0, model_args: dict | None = None, **cem_changes) -> dict:
    """Run the example and print what happens; return the numbers (for tests and scripts).

    ``model_args``: ``{"encoder": {...}, "predictor": {...}}`` official hyper-parameters for the
    checkpoint. The step planned is the episode's first whose move reaches eval's
    ``min_motion_m`` (a note says which when it is not step 0); with none, step 0, and the
    agreement is ``n/a`` (the cosine of a sub-millimetre move is noise): ``cosine_xyz`` NaN; so
    it is, and NaN, for a plan of no xyz motion (no direction).
    """
    config = preset(cem_preset, **cem_changes)  # bad settings fail before any model is built
    example = load_example(episode, single=ONE_EPISODE)
    _check_plannable(episode, example)
    for note in example.notes:  # states that look like joint positions
        print(f"note          {note}")
    min_motion_m = EvalConfig().min_motion_m
    step = first_moving_step(example.states, min_motion_m)
    limit = f"{min_motion_m * 1e3:g} mm (eval's min_motion_m)"
    start = time.perf_counter()
    model, source = load_planning_model(checkpoint, device, dtype, seed, **(model_args or {}))
    load_s = time.perf_counter() - start
    print(f"world model   {source}")
    print(f"              device {model.device}, dtype {model.dtype}{threads_text(model.device)}, "
          f"{model.tokens_per_frame} tokens x {model.embed_dim} per frame, "
          f"loaded in {load_s:.2f} s")

    from vjepa_ros.robot.goal_switch_config import planner_settings
    from vjepa_ros.robot.trained_model import gripper_rule

    switching, gripper_note = gripper_rule(model, None)  # no gripper trained: held
    if gripper_note:
        print(f"note          {gripper_note}")
    config = planner_settings(config, switching)
    planner = make_planner(model, config, seed=seed)  # too many samples: refused here
    if step:  # step 0 too still for the cosine to mean anything: the first that moves
        print(f"note          step 0 -> 1 moves {_mm(example.states, 0)}, below {limit}: "
              f"planning step {step} -> {step + 1} instead, the first that moves that far")
    moved, step = step is not None, step or 0
    start = time.perf_counter()
    reps = model.encode(example.frames[step:step + 2])
    encode_s = time.perf_counter() - start
    print(f"encode        2 frames {example.frames.shape[1]}x{example.frames.shape[2]} "
          f"in {encode_s * 1e3:.0f} ms")

    context_state = torch.from_numpy(example.states[step])
    result = planner.plan(reps[:1], context_state, reps[1:2])
    print(f"plan          {config.method.upper()} '{cem_preset}': S {config.samples}, "
          f"H {config.horizon}, I {config.iterations}, k {config.topk}"
          f"{config.refine.describe()} in {result.timings['total']:.2f} s")
    for i, energy in enumerate(result.elite_energies.tolist()):
        print(f"  iteration {i + 1:2d}  elite energy {energy:.6f}")

    executed = state_difference(
        torch.from_numpy(example.states[step]), torch.from_numpy(example.states[step + 1])
    )
    planned = result.first_action
    agreement = cosine(planned[:3], executed[:3]) if moved else float("nan")
    fmt = " ".join(f"{v:+.4f}" for v in planned.tolist())
    print(f"planned       dx dy dz droll dpitch dyaw dgrip = {fmt}")
    fmt = " ".join(f"{v:+.4f}" for v in executed.tolist())
    print(f"executed      dx dy dz droll dpitch dyaw dgrip = {fmt}")
    if moved and math.isnan(agreement):  # a plan of no xyz motion (e.g. momenta 1): no angle
        print("agreement     n/a: the planned dxyz is 0, so it has no direction to compare "
              "with the executed one")
    elif moved:
        print(f"agreement     cosine(planned dxyz, executed dxyz) = {agreement:+.3f}")
    else:
        print(f"agreement     n/a: no step of the episode moves {limit}; step 0's "
              f"{_mm(example.states, 0)} is too small for the cosine to mean anything")
    return {
        "step": step,
        "encode_s": encode_s,
        "plan_s": result.timings["total"],
        "elite_energies": result.elite_energies.tolist(),
        "first_action": planned.tolist(),
        "executed_action": executed.tolist(),
        "cosine_xyz": agreement,
    }
