"""How much of the gripper and the object a world model's encoder sees: energy of frame changes.

Issue 15 asks whether the demo model's encoder sees the hand's state and the object well enough to
plan grasps. This measures it on recorded manipulation episodes
(``vjepa-ros collect --task grasp``): the planner's energy (mean L1 between the encoder's
layer-normed tokens, ``planning/energy.py``) between consecutive frames (4 Hz) of four kinds,
told apart by the recorded states and phases:

- ``close``: the gripper closedness changed by > 0.1 while the hand moved < 5 mm (the fingers
  closing on the object or on nothing);
- ``move``: the empty hand moved 3–6 cm (approach), gripper unchanged;
- ``lift``: the hand moved 3–6 cm while lifting the held object;
- ``still``: the hand moved < 1 mm, gripper unchanged (what the energy shows for no change).

Printed per kind: count, median energy (p10, p90) and for the motions the energy per cm. A gripper
change is visible to the planner when ``close`` stands well above ``still`` and is worth several
cm of ``move``; the object is visible in how much more ``lift`` costs per cm than ``move``.

A close is worth ``close / move per cm`` cm of hand motion ("cm-equivalents", the summary line);
at 128 px with the seeded demo encoder that is about 1.5, and the planner cannot tell an open hand
from a closed one.

Encoders side by side (``--model SPEC EPISODES...``, repeated): each SPEC is measured on its own
episodes (record the same seeds at each image size or camera: the expert's states do not depend
on them, so the comparison is paired), in one run. SPEC is ``demo``, a world model or an
encoder-only file (``vjepa-ros pretrain``'s), or a pretraining settings YAML (``PretrainConfig``:
its ``img_size``, ``patch_size``, ``embed_dim``, ``depth``, ``num_heads``, ``seed``): the seeded
encoder ``vjepa-ros pretrain --config FILE --steps 0`` would save, built in memory. The summary
also gives tokens per frame, encode time per frame (batch 1, as the planner encodes its current
frame; process CPU time, the models alternating, so machine load hits all alike) and, with
``--plan-timing``, the CPU seconds of one replanning step of the demo planner
(``config/reach_demo.yaml``: CEM S 100, I 5,
H 1) with a predictor of the packaged demo model's architecture rebuilt for that encoder's token
grid and width (random weights: speed does not depend on them).

    python benchmarks/bench_gripper_visibility.py --episodes eps/ --checkpoint demo
    python benchmarks/bench_gripper_visibility.py --model demo eps128/ \
        --model config/pretrain.yaml eps128/ --model enc256.yaml eps256/ --plan-timing
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.sim.encoder_model import load_encoder_model  # noqa: E402
from vjepa_ros.sim.run_command import load_run_model  # noqa: E402

if TYPE_CHECKING:
    from vjepa_ros.recordings.episode import Episode

# torch and the episode files (seconds; a quarter minute under load) are imported where they are
# first needed, after the options are checked: --help and a bad option answer at once.

KINDS = ("close", "move", "lift", "still")


def classify(states: np.ndarray, phases: list[str], t: int) -> str | None:
    """Return the kind of the change from frame ``t`` to ``t + 1`` (module docstring) or None."""
    moved = float(np.linalg.norm(states[t + 1, :3] - states[t, :3]))
    gripped = abs(float(states[t + 1, 6] - states[t, 6]))
    if gripped > 0.1 and moved < 0.005:
        return "close"
    if gripped >= 0.01:
        return None
    if 0.03 < moved < 0.06 and phases[t] == "approach":
        return "move"
    if 0.03 < moved < 0.06 and phases[t] == "lift":
        return "lift"
    return "still" if moved < 0.001 else None


def load_episode(path: Path) -> Episode:
    """Return the manipulation episode in ``path``; ValueError naming the file otherwise."""
    from vjepa_ros.recordings.episode import Episode

    try:
        episode = Episode.load(path)
    except Exception as exc:  # zip, pickle, shape errors: one line naming the file
        raise ValueError(f"{path}: not a readable episode file ({type(exc).__name__}: "
                         f"{exc})") from None
    if not episode.metadata.get("phases"):
        raise ValueError(f"{path}: no per-frame phases in its metadata: record it with "
                         f"vjepa-ros collect --task grasp|pick-and-place")
    return episode


def measure(model, paths: list[Path]) -> dict[str, list[tuple[float, float]]]:
    """Return per kind the (energy, hand motion [m]) of every classified frame pair."""
    import torch

    from vjepa_ros.planning.energy import energy

    rows: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for path in paths:
        episode = load_episode(path)
        states, phases = episode.states, episode.metadata["phases"]
        with torch.inference_mode():
            reps = model.encode(episode.frames)
        for t in range(len(states) - 1):
            kind = classify(states, phases, t)
            if kind is not None:
                value = float(energy(reps[t + 1:t + 2], reps[t:t + 1])[0])
                moved = float(np.linalg.norm(states[t + 1, :3] - states[t, :3]))
                rows[kind].append((value, moved))
    return rows


def summarize(rows: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    """Return the medians the comparison rests on (NaN where a kind has no pairs).

    ``close``, ``still``: median energies; ``move_per_cm``, ``lift_per_cm``: median energy per cm
    of hand motion; ``close_cm``: ``close / move_per_cm``, what a gripper change is worth in cm of
    empty-hand motion; ``close_vs_still``: ``close / still``.
    """
    out = {}
    for kind in KINDS:
        values = np.array(rows[kind]).reshape(-1, 2)
        out[kind] = float(np.median(values[:, 0])) if len(values) else float("nan")
        if kind in ("move", "lift"):
            out[f"{kind}_per_cm"] = (float(np.median(values[:, 0] / values[:, 1])) / 100
                                     if len(values) else float("nan"))
    with np.errstate(divide="ignore", invalid="ignore"):  # 0 below: inf (or NaN for 0 / 0)
        out["close_cm"] = float(np.float64(out["close"]) / out["move_per_cm"])
        out["close_vs_still"] = float(np.float64(out["close"]) / out["still"])
    return out


def encoder_text(model) -> str:
    """``128 px, patch 16, 64 tokens, width 192, depth 4`` for a WorldModel's encoder."""
    config = model.encoder.config
    height, width = model.img_size
    size = f"{height}" if height == width else f"{height}x{width}"
    return (f"{size} px, patch {config.patch_size}, {model.tokens_per_frame} tokens, width "
            f"{config.embed_dim}, depth {config.depth}")


def timing_predictor(model, demo_predictor_config: dict):
    """Return a predictor of the demo model's architecture for ``model``'s grid and width.

    Random weights (seed 0): for timing only.
    """
    import torch

    from vjepa_ros.models import build_predictor

    config = model.encoder.config
    torch.manual_seed(0)
    values = {**demo_predictor_config, "img_size": model.img_size,
              "patch_size": config.patch_size, "embed_dim": config.embed_dim}
    return build_predictor(**values).eval()


def time_side_by_side(models: list, frames: list[np.ndarray], repeats: int,
                      plan_steps: list | None = None) -> tuple[list[float], list[float]]:
    """Median CPU time per frame encoded [ms] per model and, with ``plan_steps``, per plan [s].

    Process CPU time, not wall time: on a shared machine other processes' load stretches the wall
    clock but hardly the CPU seconds (run with one torch thread for wall = CPU on an idle core).
    ``frames[i]``: frames [F, H, W, 3] uint8 from model i's episodes, encoded one at a time
    (batch 1). The models take turns each repeat. ``plan_steps[i]``: a callable running one
    replanning step for model i (or None to skip).
    """
    import torch

    encode = [[] for _ in models]
    plans = [[] for _ in models]
    with torch.inference_mode():
        for model, batch in zip(models, frames, strict=True):  # warm-up
            model.encode(batch[:1])
        for _ in range(repeats):
            for index, (model, batch) in enumerate(zip(models, frames, strict=True)):
                for frame in batch:
                    started = time.process_time()
                    model.encode(frame[None])
                    encode[index].append(time.process_time() - started)
                if plan_steps and plan_steps[index] is not None:
                    started = time.process_time()
                    plan_steps[index]()
                    plans[index].append(time.process_time() - started)
    return ([statistics.median(values) * 1000 for values in encode],
            [statistics.median(values) if values else float("nan") for values in plans])


def plan_step(model, demo_predictor_config: dict, cem):
    """Return a callable that runs one CEM replanning step (``cem``) for ``model``'s grid."""
    import torch
    import torch.nn.functional as F

    from vjepa_ros.planning.cem import plan

    predictor = timing_predictor(model, demo_predictor_config)
    generator = torch.Generator().manual_seed(0)
    tokens, width = model.tokens_per_frame, model.encoder.config.embed_dim
    # normed as WorldModel.encode's representations (the planner refuses others: plan_inputs)
    context = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
    goal = F.layer_norm(torch.randn(1, tokens, width, generator=generator), (width,))
    state = torch.zeros(1, 7)
    return lambda: plan(predictor, context, state, goal, cem, generator=0)


def episode_paths(items: list[str], option: str, limit: int) -> list[Path]:
    """Return up to ``limit`` .npz files from files/directories ``items``.

    Raises ValueError naming ``option``: a path missing or unreadable
    (``input_paths.input_path``, as the other scripts name a missing file), none holding an
    episode.
    """
    from vjepa_ros.input_paths import input_path

    paths = []
    for item in items:
        item = input_path(item, option, "manipulation episode files (.npz) or folders holding "
                          "them", folder=True)
        paths += sorted(item.rglob("*.npz")) if item.is_dir() else [item]
    if not paths:
        raise ValueError(f"{option} {' '.join(items)}: no .npz episodes there")
    return paths[:limit]


def print_kinds(rows: dict[str, list[tuple[float, float]]]) -> None:
    for kind in KINDS:
        if not rows[kind]:
            print(f"  {kind:6} none")
            continue
        values = np.array(rows[kind])
        line = (f"  {kind:6} n={len(values):4}  energy median {np.median(values[:, 0]):.4f} "
                f"(p10 {np.percentile(values[:, 0], 10):.4f}, p90 "
                f"{np.percentile(values[:, 0], 90):.4f})")
        if kind in ("move", "lift"):
            line += f"  per cm {np.median(values[:, 0] / values[:, 1]) / 100:.4f}"
        print(line)


def main() -> int:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", nargs="+", action="append", metavar=("SPEC", "EPISODES"),
                        help="an encoder and its episodes (files or directories): SPEC is demo, "
                        "a world model or encoder file, or a pretraining settings YAML (its "
                        "seeded encoder); repeat to compare side by side")
    parser.add_argument("--episodes", nargs="+",
                        help="manipulation episode files (.npz) or directories holding them, "
                        "for --checkpoint (the single-model form)")
    parser.add_argument("--checkpoint", default="demo",
                        help="with --episodes: world model or encoder file; demo = packaged")
    parser.add_argument("--max-episodes", type=int, default=40, help="per model")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="torch CPU threads (0 or left out: OMP_NUM_THREADS when set, else "
                        "all cores but one: README, Torch CPU threads)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timing rounds (each encodes --timing-frames frames per model)")
    parser.add_argument("--timing-frames", type=int, default=8)
    parser.add_argument("--plan-timing", action="store_true",
                        help="also time one replanning step per model (module docstring)")
    args = parser.parse_args()
    parser.check_at_least(args, {"--max-episodes": 1, "--repeats": 1, "--timing-frames": 1})
    from vjepa_ros.threads import check_threads_option, set_torch_threads  # as vjepa-ros run

    check_threads_option(args.threads)
    if args.model and args.episodes:
        parser.error("--episodes goes with --checkpoint (one model); with --model give each "
                     "model's episodes after its SPEC")
    cases = args.model or ([[args.checkpoint, *args.episodes]] if args.episodes else None)
    if not cases:
        parser.error("give --model SPEC EPISODES... (repeatable) or --episodes (with "
                     "--checkpoint)")
    option = "--model" if args.model else "--checkpoint"
    for case in cases:
        if len(case) < 2:
            parser.error(f"--model {case[0]}: give its episodes after it")
    specs = [case[0] for case in cases]
    # a path missing or without episodes: a failure at work (exit status 1, run_script's line)
    paths = [episode_paths(case[1:], "--model" if args.model else "--episodes",
                           args.max_episodes) for case in cases]
    try:

        threads = set_torch_threads(args.threads)  # the count used (0: the rule's default)
        models = [load_encoder_model(spec, option) for spec in specs]
    except ValueError as exc:
        parser.error(str(exc))
    try:
        rows = [measure(model, files) for model, files in zip(models, paths, strict=True)]
        frames = [load_episode(files[0]).frames[:args.timing_frames] for files in paths]
    except ValueError as exc:
        print(f"bench_gripper_visibility: {exc}", file=sys.stderr)
        return 2
    steps, planner = None, ""
    if args.plan_timing:
        from vjepa_ros.sim.reach_config import load_reach_config

        demo_config = load_run_model("demo", device="cpu").predictor.config.to_dict()
        cem = load_reach_config(None).planner.to_cem()
        steps = [plan_step(model, demo_config, cem) for model in models]
        planner = (f"; plan step: CEM S {cem.samples}, I {cem.iterations}, H {cem.horizon}, "
                   f"demo predictor width {demo_config['predictor_embed_dim']}, depth "
                   f"{demo_config['depth']}")
    encode_ms, plan_s = time_side_by_side(models, frames, args.repeats, steps)
    print(f"# L1 energy between consecutive frames at 4 Hz; {threads} torch thread(s); "
          f"encode: batch 1, median CPU time of {args.repeats} x {args.timing_frames} frames"
          f"{planner}")
    summaries = []
    for spec, model, files, found in zip(specs, models, paths, rows, strict=True):
        print(f"{spec} ({encoder_text(model)}), {len(files)} episodes from {files[0].parent}")
        print_kinds(found)
        summaries.append(summarize(found))
    print("\n| encoder | episodes | tokens | close | still | move per cm | lift per cm | "
          "close in cm of motion | close / still | encode CPU ms/frame |"
          + (" plan CPU s/step |" if steps else ""))
    print("|---" * (11 if steps else 10) + "|")
    for index, (spec, model, files, summary) in enumerate(
            zip(specs, models, paths, summaries, strict=True)):
        line = (f"| {spec} ({encoder_text(model)}) | {files[0].parent} | "
                f"{model.tokens_per_frame} | {summary['close']:.4f} | {summary['still']:.4f} | "
                f"{summary['move_per_cm']:.4f} | {summary['lift_per_cm']:.4f} | "
                f"{summary['close_cm']:.2f} | {summary['close_vs_still']:.2f} | "
                f"{encode_ms[index]:.1f} |")
        print(line + (f" {plan_s[index]:.2f} |" if steps else ""))
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
