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

    python benchmarks/bench_gripper_visibility.py --episodes eps/ --checkpoint demo
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

from vjepa_ros.planning.energy import energy
from vjepa_ros.sim.episode import Episode
from vjepa_ros.sim.run_command import load_run_model

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


def measure(model, paths: list[Path]) -> dict[str, list[tuple[float, float]]]:
    """Return per kind the (energy, hand motion [m]) of every classified frame pair."""
    rows: dict[str, list[tuple[float, float]]] = {kind: [] for kind in KINDS}
    for path in paths:
        try:
            episode = Episode.load(path)
        except Exception as exc:  # zip, pickle, shape errors: one line naming the file
            raise ValueError(f"{path}: not a readable episode file ({type(exc).__name__}: "
                             f"{exc})") from None
        states, phases = episode.states, episode.metadata.get("phases")
        if not phases:
            raise ValueError(f"{path}: no per-frame phases in its metadata: record it with "
                             f"vjepa-ros collect --task grasp|pick-and-place")
        with torch.inference_mode():
            reps = model.encode(episode.frames)
        for t in range(len(states) - 1):
            kind = classify(states, phases, t)
            if kind is not None:
                value = float(energy(reps[t + 1:t + 2], reps[t:t + 1])[0])
                moved = float(np.linalg.norm(states[t + 1, :3] - states[t, :3]))
                rows[kind].append((value, moved))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", nargs="+", required=True,
                        help="manipulation episode files (.npz) or directories holding them")
    parser.add_argument("--checkpoint", default="demo", help="world model file; demo = packaged")
    parser.add_argument("--max-episodes", type=int, default=40)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    for option, value in (("--max-episodes", args.max_episodes), ("--threads", args.threads)):
        if value < 1:
            parser.error(f"{option} {value}: must be >= 1")
    torch.set_num_threads(args.threads)
    paths = []
    for item in map(Path, args.episodes):
        if not item.exists():
            parser.error(f"--episodes {item}: not found")
        paths += sorted(item.rglob("*.npz")) if item.is_dir() else [item]
    if not paths:
        parser.error(f"--episodes {' '.join(args.episodes)}: no .npz episodes there")
    paths = paths[:args.max_episodes]
    if args.checkpoint == "oracle":
        parser.error("--checkpoint oracle: the oracle has no image encoder; give demo or a file")
    try:
        model = load_run_model(args.checkpoint, device="cpu", option="--checkpoint")
    except ValueError as exc:
        parser.error(str(exc))
    try:
        rows = measure(model, paths)
    except ValueError as exc:
        print(f"bench_gripper_visibility: {exc}", file=sys.stderr)
        return 2
    print(f"# encoder of {args.checkpoint}, {len(paths)} episodes, L1 energy between consecutive "
          f"frames at 4 Hz")
    for kind in KINDS:
        if not rows[kind]:
            print(f"{kind:6} none")
            continue
        values = np.array(rows[kind])
        line = (f"{kind:6} n={len(values):4}  energy median {np.median(values[:, 0]):.4f} "
                f"(p10 {np.percentile(values[:, 0], 10):.4f}, p90 "
                f"{np.percentile(values[:, 0], 90):.4f})")
        if kind in ("move", "lift"):
            line += f"  per cm {np.median(values[:, 0] / values[:, 1]) / 100:.4f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
