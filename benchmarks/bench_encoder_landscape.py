"""Energy landscape of an encoder in the simulated scene: does energy rank distance to goal.

Renders ``--poses`` random end-effector positions in each scene of ``--seeds`` (held-out
scenes: seeds no training run used; ``--randomize`` draws each scene's camera, light and objects
as ``vjepa-ros collect --randomize`` does), encodes every frame, and for each of ``--goals`` goal
frames compares the planner's energy (mean |z - z_goal| of layer-normed
representations) with the true end-effector distance to the goal pose:

- ``spearman``: rank correlation of energy and distance over all poses (1 = perfect ordering);
- ``spearman<25cm``: the same over poses within 25 cm of the goal (where reaching starts);
- ``pair acc``: fraction of pose pairs within 25 cm whose energies are ordered as their distances.

Rows: each ``--encoder`` checkpoint, the same architecture with random weights (the seeded
initialization of ``vjepa-ros pretrain``: seed 0), and raw pixels (mean |pixel difference|, a
model-free reference). Numbers are means over the scenes (± their standard deviation).

    python benchmarks/bench_encoder_landscape.py --encoder demo_encoder.pt --poses 150
    python benchmarks/bench_encoder_landscape.py --encoder encoder.pt --seeds 900000 900001 \
        900002 --randomize

``--per-scene`` adds each scene's numbers and, per encoder, the paired difference to the random
weights in every scene (the same frames and goals on both sides) and how many scenes and goals it
wins.

``--cache DIR`` keeps each scene's rendered poses (``poses_<default|randomized>_<seed>_<poses>x
<size>.npz``) so that later encoders are compared on the same frames without rendering again.
Each file is written whole or not at all (``atomic_files.replacing``): a run stopped while it
writes leaves no truncated cache for the next run to read.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

import vjepa_ros  # noqa: F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np

from vjepa_ros import saved_outputs
from vjepa_ros.atomic_files import replacing
from vjepa_ros.cli_parser import ArgumentParser
from vjepa_ros.sim.config import CameraConfig, SimConfig
from vjepa_ros.sim.randomize import randomized_sim_config

if TYPE_CHECKING:
    import torch

# torch, scipy.stats and the simulator (seconds; a minute under load) are imported where they are
# first needed, after the options are parsed: --help answers at once.


def render_poses(count: int, size: int, seed: int, randomize: bool = False):
    """Frames [N, size, size, 3] and end-effector states [N, 7] at random workspace positions."""
    from vjepa_ros.sim.sim import Sim
    from vjepa_ros.sim.tasks import capture_goal

    rng = np.random.default_rng(seed)
    frames, states = [], []
    config = SimConfig(camera=CameraConfig(width=size, height=size), seed=seed)
    if randomize:
        config = randomized_sim_config(config, seed)
    with Sim(config) as sim:
        home = sim.ee_state()
        for _ in range(count):
            target = home.copy()
            target[:3] = rng.uniform([0.35, -0.25, 0.1], [0.65, 0.25, 0.5])
            goal = capture_goal(sim, target)
            frames.append(goal.frame)
            states.append(goal.state)
    return np.stack(frames), np.stack(states)


def cached_poses(args, seed: int):
    """(frames, states, "rendered"/"loaded") of one scene, through ``args.cache`` if given."""
    if not args.cache:
        return (*render_poses(args.poses, args.size, seed, args.randomize), "rendered")
    kind = "randomized" if args.randomize else "default"
    path = Path(args.cache) / f"poses_{kind}_{seed}_{args.poses}x{args.size}.npz"
    if path.is_file():
        with np.load(path) as stored:
            return stored["frames"], stored["states"], "loaded"
    frames, states = render_poses(args.poses, args.size, seed, args.randomize)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as partial, open(partial, "wb") as file:  # a stop leaves no half file
        np.savez_compressed(file, frames=frames, states=states)
    saved_outputs.wrote(path, "--cache")  # a stop says the cache kept it
    return frames, states, "rendered"


METRICS = ("spearman", "spearman<25cm", "pair acc")
RANDOM_ROW = "same architecture, random weights"


def landscape_per_goal(features: torch.Tensor, positions: np.ndarray, goals: int,
                       near: float = 0.25) -> np.ndarray:
    """Per goal [goals, 3]: spearman, spearman near, pair accuracy near (NaN: < 3 poses near).

    ``features`` [N, ...] (any float features, flattened per pose; energy = mean |z - z_goal|),
    ``positions`` [N, 3] end-effector positions [m]; the first ``goals`` poses are the goals.
    """
    from scipy.stats import spearmanr

    features = features.flatten(1).float()
    values = np.full((goals, 3), np.nan)
    for goal in range(goals):
        energy = (features - features[goal]).abs().mean(1).numpy()
        distance = np.linalg.norm(positions - positions[goal], axis=1)
        others = distance > 1e-6
        values[goal, 0] = spearmanr(energy[others], distance[others])[0]
        close = others & (distance < near)
        if close.sum() >= 3:
            e, d = energy[close], distance[close]
            values[goal, 1] = spearmanr(e, d)[0]
            upper = np.triu_indices(len(e), 1)
            agree = np.sign(e[:, None] - e[None, :]) == np.sign(d[:, None] - d[None, :])
            values[goal, 2] = agree[upper].mean()
    return values


def goal_mean(per_goal: np.ndarray) -> np.ndarray:
    """Mean over the goals [3] of ``per_goal`` [goals, 3], skipping NaN (all NaN: NaN)."""
    count = (~np.isnan(per_goal)).sum(0)
    return np.where(count > 0, np.nansum(per_goal, 0) / np.maximum(count, 1), np.nan)


def landscape(features: torch.Tensor, positions: np.ndarray, goals: int, near: float = 0.25):
    """(spearman, spearman near, pair accuracy near) averaged over the first ``goals`` frames."""
    return tuple(float(v) for v in goal_mean(landscape_per_goal(features, positions, goals, near)))


def paired_differences(per_goal: list[np.ndarray], reference: list[np.ndarray]) -> dict:
    """Paired comparison of one row with a reference row on the same scenes and goals.

    ``per_goal`` and ``reference``: one array [goals, 3] per scene (``landscape_per_goal``).
    Returns ``scene_diff`` [scenes, 3] (difference of the scene means), ``scene_wins`` [3]
    (scenes where the row is higher), ``goal_wins`` [3] and ``goals`` [3] (goals where it is
    higher, of those with a value on both sides). Raises ``ValueError`` on unequal shapes.
    """
    if len(per_goal) != len(reference) or any(
            a.shape != b.shape for a, b in zip(per_goal, reference, strict=True)):
        raise ValueError("paired rows need the same scenes and goals")
    scene_diff = np.stack([goal_mean(a) - goal_mean(b)
                           for a, b in zip(per_goal, reference, strict=True)])
    row, ref = np.concatenate(per_goal), np.concatenate(reference)
    both = ~(np.isnan(row) | np.isnan(ref))
    return {"scene_diff": scene_diff, "scene_wins": (scene_diff > 0).sum(0),
            "goal_wins": ((row > ref) & both).sum(0), "goals": both.sum(0)}


def print_per_scene(rows: dict[str, list[np.ndarray]], seeds: list[int]) -> None:
    """Each scene's means, then each row's paired differences to the random weights."""
    print("per scene (spearman / spearman<25cm / pair acc):")
    for index, seed in enumerate(seeds):
        for name, scenes in rows.items():
            cells = " ".join(f"{v:6.3f}" for v in goal_mean(scenes[index]))
            print(f"  scene {seed}  {name[-48:]:48s} {cells}")
    if RANDOM_ROW not in rows:
        return
    print(f"paired difference to '{RANDOM_ROW}' (per scene; mean; scenes and goals higher):")
    for name, scenes in rows.items():
        if name == RANDOM_ROW:
            continue
        paired = paired_differences(scenes, rows[RANDOM_ROW])
        for column, metric in enumerate(METRICS):
            diffs = " ".join(f"{d:+.3f}" for d in paired["scene_diff"][:, column])
            print(f"  {name[-40:]:40s} {metric:13s} {diffs}  mean "
                  f"{paired['scene_diff'][:, column].mean():+.3f}  scenes "
                  f"{paired['scene_wins'][column]}/{len(scenes)}  goals "
                  f"{paired['goal_wins'][column]}/{paired['goals'][column]}")


def main() -> None:
    parser = ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--encoder", nargs="*", default=[], help="encoder or world-model files, "
                        "demo, or pretraining settings (.yaml: their seeded encoder)")
    parser.add_argument("--poses", type=int, default=150, help="rendered poses")
    parser.add_argument("--goals", type=int, default=30, help="poses used as goals")
    parser.add_argument("--size", type=int, default=128, help="rendered frame size [px]")
    parser.add_argument("--seeds", type=int, nargs="+", default=[7],
                        help="scene and pose seeds (one scene each)")
    parser.add_argument("--randomize", action="store_true",
                        help="randomized scenes (camera, light, objects) drawn from the seeds")
    parser.add_argument("--cache", help="folder keeping the rendered poses per scene (.npz): a "
                        "later run with the same settings reuses them instead of rendering")
    parser.add_argument("--per-scene", action="store_true",
                        help="also print each scene's numbers and the paired differences of "
                        "every encoder to the random weights")
    args = parser.parse_args()
    from vjepa_ros.sim.config import CAMERA_SIZE_PX

    if not 1 <= args.goals <= args.poses:  # the first --goals poses are the goals
        parser.error(f"--goals {args.goals}: must be >= 1 and at most --poses ({args.poses})")
    if not CAMERA_SIZE_PX[0] <= args.size <= CAMERA_SIZE_PX[1]:
        parser.error(f"--size {args.size}: the camera image must be "
                     f"{CAMERA_SIZE_PX[0]}..{CAMERA_SIZE_PX[1]} px")
    import torch

    from vjepa_ros.sim.encoder_model import load_encoder_models

    try:  # before rendering: a bad file is one line (exit status 2), as the commands say it
        models = load_encoder_models(args.encoder, "--encoder")
    except ValueError as exc:
        parser.error(str(exc))
    with torch.no_grad():  # as a function (tests) it must not switch autograd off for the caller
        report(args, models)


def report(args: argparse.Namespace, models: list) -> None:
    """Render (or load) the poses, print the landscape table: ``main``'s work.

    ``models``: the ``--encoder`` rows, (spec, WorldModel) (``encoder_model.load_encoder_models``).
    """
    import torch

    from vjepa_ros.models import WorldModel, build_encoder

    models = list(models)
    if models:
        config = models[0][1].encoder.config
        torch.manual_seed(0)
        random = build_encoder(**{k: v for k, v in config.to_dict().items()})
        models.append((RANDOM_ROW, WorldModel(random, None, "cpu")))
    rows: dict[str, list] = {}
    for seed in args.seeds:
        start = time.perf_counter()
        frames, states, how = cached_poses(args, seed)
        print(f"{how} {len(frames)} poses {args.size}x{args.size} in "
              f"{time.perf_counter() - start:.0f} s (scene seed {seed}"
              f"{', randomized' if args.randomize else ''}); {args.goals} goals")
        for name, model in models:
            rows.setdefault(name, []).append(
                landscape_per_goal(model.encode(frames), states[:, :3], args.goals))
        pixels = torch.from_numpy(frames).float() / 255
        rows.setdefault("raw pixels", []).append(
            landscape_per_goal(pixels, states[:, :3], args.goals))
    print(f"{'features':48s} {'spearman':>13s} {'spearman<25cm':>14s} {'pair acc':>13s}")
    for name, scenes in rows.items():
        values = [goal_mean(scene) for scene in scenes]
        mean, spread = np.mean(values, axis=0), np.std(values, axis=0)
        cells = [f"{m:.3f}±{s:.3f}" for m, s in zip(mean, spread, strict=True)]
        print(f"{name[-48:]:48s} {cells[0]:>13s} {cells[1]:>14s} {cells[2]:>13s}")
    if args.per_scene:
        print_per_scene(rows, args.seeds)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
