"""How far compiled and bf16 plans move from eager fp32 ones with a trained world model.

``model.compile_predictor`` (``models/compiled.py``) and bfloat16 are inexact: their kernels round
differently, so energies differ a little and CEM's elites may reorder. With random weights the
energies are nearly flat and any rounding reorders them (an H200 moved the first action by up to
0.14 of ``maxnorm``); this benchmark asks the question with a post-trained predictor, whose
energies are not flat: the packaged demo world model by default (``--checkpoint``).

Scenes: ``--scenes`` episodes of ``vjepa-ros collect`` (``--episodes`` folder, the first files in
name order): the context is frame 0 and its state, the goal frame ``--goal-frame``. Per scene and
variant, against eager float32 (the reference; same CEM noise):

- ``err/spread``: mean |energy - reference energy| over S random actions of the search box,
  over the reference energies' standard deviation (how much of the landscape rounding moves);
- ``top-k``: the share of the reference's k lowest-energy random actions that are also among the
  variant's k lowest;
- ``plan diff``: the largest |difference| of the planned first action's x, y, z from the
  reference plan's, over ``maxnorm`` (0: the same action; 2: opposite ends of the box);
- ``cos``: the cosine between the two first actions' x, y, z (1: the same direction).

Variants: ``eager-bf16``, ``compiled-fp32`` and ``compiled-bf16`` (``--variants``; compiled with
``--backend``, inductor by default: Triton on CUDA, a C++ compiler on a CPU; ``aot_eager`` traces
the same graphs without generating code). CEM settings: ``--samples``, ``--iterations``,
``--topk``, ``--maxnorm`` (default the reach demo's: S 100, I 5, k 10, 0.05 m, H 1) and the same
with S 800 I 10 (the paper's sample count) unless ``--no-paper-size``.

Prints one row per variant and settings (medians and worst over the scenes) and writes every
number to ``--out``/compiled_agreement.json.

Run:  python benchmarks/bench_compiled_agreement.py --episodes .device_data/episodes
      [--checkpoint demo] [--device cuda] [--scenes 8] [--variants eager-bf16 compiled-bf16]
"""

import json
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402

VARIANTS = ("eager-bf16", "compiled-fp32", "compiled-bf16")
PAPER_SAMPLES, PAPER_ITERATIONS = 800, 10  # the "S800" settings: the paper's sample count


def scenes(folder: Path, count: int, goal_frame: int):
    """Return [(name, context frame [H, W, 3] uint8, state [7], goal frame)] from episodes.

    Read as training reads them (``Episode.load``: either layout; frames, states and their
    shapes checked). Raises ValueError in one line naming ``--episodes``, the file or
    ``--goal-frame``.
    """
    from vjepa_ros.recordings.episode import Episode

    if not folder.is_dir():
        raise ValueError(f"--episodes {folder}: not a folder (give the folder vjepa-ros "
                         "collect wrote)")
    files = sorted(folder.glob("*.npz"))[:count]
    if len(files) < count:
        raise ValueError(f"--episodes {folder}: {len(files)} episode .npz files, --scenes "
                         f"{count} wanted (make them with vjepa-ros collect)")
    out = []
    for path in files:
        episode = Episode.load(path)  # ValueError naming the file
        if goal_frame >= len(episode):
            raise ValueError(f"--goal-frame {goal_frame}: episode {path} has {len(episode)} "
                             "frames")
        out.append((path.name, episode.frames[0], episode.states[0], episode.frames[goal_frame]))
    return out


def check_search_options(args) -> str:
    """Why the CEM options cannot make the benchmark's settings ("" when they can)."""
    from vjepa_ros.config import format_range, in_range
    from vjepa_ros.planning.setting_ranges import SETTING_RANGES

    for name in ("samples", "iterations", "topk"):
        if getattr(args, name) < 1:
            return f"--{name} {getattr(args, name)}: give a positive count"
    box = SETTING_RANGES["maxnorm"]  # CEMConfig's (and planner.maxnorm's) range
    if not in_range(args.maxnorm, (box.low, box.high), box.low_open):
        return (f"--maxnorm {args.maxnorm}: give a length in "
                f"{format_range((box.low, box.high), box.low_open)} m")
    samples = min(args.samples, args.samples if args.no_paper_size else PAPER_SAMPLES)
    if args.topk > samples:
        return (f"--topk {args.topk}: more elites than the {samples} samples of "
                + ("--samples" if samples == args.samples else "the S 800 settings (or give "
                   "--no-paper-size)"))
    return ""


def check_backend(backend: str) -> str:
    """Why ``backend`` is no torch.compile backend here ("" when it is one)."""
    import torch

    try:
        known = set(torch.compiler.list_backends(exclude_tags=None))  # public since torch 2.2
    except Exception:  # noqa: BLE001 - an older torch: left to torch.compile to say
        return ""
    if backend in known | {"inductor"}:
        return ""
    return (f"--backend {backend}: not a torch.compile backend here (known: "
            f"{', '.join(sorted(known))})")


def agreement(reference, variant, config, context, state, goal, dtype) -> dict:
    """Numbers of one variant's predictor against the reference on one scene (module doc)."""
    import torch

    from vjepa_ros.planning.cem import plan
    from vjepa_ros.planning.rollout import ImaginedRollout

    generator = torch.Generator().manual_seed(1)
    actions = (torch.rand(config.samples, config.horizon, 7, generator=generator) * 2 - 1) \
        * config.maxnorm
    actions[..., 3:6] = 0.0
    with torch.inference_mode():
        exact = ImaginedRollout(reference, context, state, goal).energies(actions).float()
        approx = ImaginedRollout(variant, context.to(dtype), state,
                                 goal.to(dtype)).energies(actions).float()
    k = config.topk
    overlap = len(set(exact.topk(k, largest=False).indices.tolist())
                  & set(approx.topk(k, largest=False).indices.tolist())) / k
    first = plan(reference, context, state, goal, config, generator=0).first_action[:3].double()
    other = plan(variant, context.to(dtype), state, goal.to(dtype), config,
                 generator=0).first_action[:3].double()
    norms = float(first.norm() * other.norm())
    return {
        "err_over_spread": float((approx - exact).abs().mean() / exact.std()),
        "topk_overlap": overlap,
        "plan_diff": float((other - first).abs().max() / config.maxnorm),
        "cos": float(first @ other) / norms if norms > 0 else float("nan"),
        "first_action_m": other.tolist(),
        "reference_action_m": first.tolist(),
    }


def predictor_copy(checkpoint: str, device, dtype, compiled: bool, backend: str):
    from vjepa_ros.demo import load_planning_model
    from vjepa_ros.models.compiled import compile_blocks

    model, _ = load_planning_model(checkpoint, device=device, dtype=dtype)
    if compiled:
        compile_blocks(model.predictor, backend=backend)
    return model


def main(argv=None) -> int:
    parser = ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--checkpoint", default="demo", help="world model file (default demo)")
    parser.add_argument("--episodes", required=True, help="folder of vjepa-ros collect .npz")
    parser.add_argument("--scenes", type=int, default=8, help="episodes used (default 8)")
    parser.add_argument("--goal-frame", type=int, default=8, help="goal frame index (default 8)")
    parser.add_argument("--device", help="cpu or cuda (default: cuda if available)")
    parser.add_argument("--variants", nargs="+", choices=VARIANTS, default=list(VARIANTS))
    parser.add_argument("--backend", default="inductor", help="torch.compile backend")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--iterations", type=int, default=5)
    parser.add_argument("--topk", type=int, default=10)
    parser.add_argument("--maxnorm", type=float, default=0.05, help="[m] per axis")
    parser.add_argument("--no-paper-size", action="store_true",
                        help="skip the S 800 I 10 settings")
    parser.add_argument("--out", default=os.environ.get("OUT", "outputs/compiled_agreement"))
    args = parser.parse_args(argv)
    if args.scenes < 1 or args.goal_frame < 1:
        parser.error("--scenes and --goal-frame must be positive")
    problem = check_search_options(args)
    if problem:
        parser.error(problem)
    import torch

    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.models.device_names import check_device_and_dtype
    from vjepa_ros.models.world_model import resolve_device
    from vjepa_ros.out_paths import output_dir, output_file
    from vjepa_ros.planning.config import CEMConfig

    try:
        world_model_path(args.checkpoint, "--checkpoint")  # missing, a folder: the commands' line
        check_device_and_dtype(args.device, None, ("--device", "--dtype"))  # names the option
        try:  # default CUDA when available; a CUDA device this machine lacks is refused
            device = resolve_device(args.device or None)
        except ValueError as exc:
            raise ValueError(f"--device: {exc}") from None
        problem = check_backend(args.backend) if any(
            v.startswith("compiled") for v in args.variants) else ""
        if problem:
            raise ValueError(problem)
        # a stopped run says whether the file was written (saved_outputs)
        result_file = output_file(output_dir(args.out, "--out", claim=False)
                                  / "compiled_agreement.json", "--out")
        scene_list = scenes(Path(args.episodes).expanduser(), args.scenes, args.goal_frame)
    except ValueError as exc:
        parser.error(str(exc))
    configs = {"demo": CEMConfig(samples=args.samples, iterations=args.iterations, horizon=1,
                                 topk=args.topk, maxnorm=args.maxnorm)}
    if not args.no_paper_size:
        configs["S800"] = configs["demo"].with_(samples=PAPER_SAMPLES,
                                                iterations=PAPER_ITERATIONS)
    try:
        reference = predictor_copy(args.checkpoint, device, torch.float32, False, args.backend)
    except OSError as exc:  # a missing or unreadable file (a bad one: ValueError, named)
        parser.error(f"--checkpoint {args.checkpoint}: {exc.strerror or exc}")
    except ValueError as exc:
        parser.error(str(exc))
    encoded = []
    for name, context, state, goal in scene_list:
        reps = reference.encode(torch.from_numpy(context[None]))
        encoded.append((name, reps, torch.from_numpy(state).float(),
                        reference.encode(torch.from_numpy(goal[None]))))
    result = {"checkpoint": args.checkpoint, "device": str(device), "torch": torch.__version__,
              "backend": args.backend, "scenes": [s[0] for s in scene_list],
              "goal_frame": args.goal_frame, "rows": []}
    print(f"# {args.checkpoint} on {device} (torch {torch.__version__}), {len(encoded)} scenes, "
          f"goal frame {args.goal_frame}, backend {args.backend}")
    print(f"{'variant':15s} {'settings':18s} {'err/spread':>16s} {'top-k':>12s} "
          f"{'plan diff':>16s} {'cos':>12s} {'s':>6s}")
    for variant in args.variants:
        dtype = torch.bfloat16 if variant.endswith("bf16") else torch.float32
        model = predictor_copy(args.checkpoint, device, dtype, variant.startswith("compiled"),
                               args.backend)
        for label, config in configs.items():
            start = time.perf_counter()
            per_scene = [agreement(reference.predictor, model.predictor, config, reps, state,
                                   goal, dtype) for _, reps, state, goal in encoded]
            seconds = time.perf_counter() - start
            row = {"variant": variant, "settings": label, "config": {
                "samples": config.samples, "iterations": config.iterations,
                "horizon": config.horizon, "topk": config.topk, "maxnorm": config.maxnorm},
                "seconds": seconds, "per_scene": per_scene}
            result["rows"].append(row)

            def cell(key, worst, row=row, fmt="{:.3f}"):
                values = [scene[key] for scene in row["per_scene"]]
                return (fmt.format(statistics.median(values)) + " ("
                        + fmt.format(worst(values)) + ")")

            print(f"{variant:15s} S{config.samples} I{config.iterations} k{config.topk:<8d} "
                  f"{cell('err_over_spread', max):>16s} "
                  f"{cell('topk_overlap', min, fmt='{:.2f}'):>12s} "
                  f"{cell('plan_diff', max):>16s} {cell('cos', min):>12s} {seconds:6.1f}",
                  flush=True)
            result_file.write_text(json.dumps(result, indent=1))
    print("cells: median over the scenes (worst); reference: eager float32, same noise")
    return 0


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
