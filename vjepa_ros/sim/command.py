"""``vjepa-ros collect``: record scripted sim episodes (``collector.py``, ``manipulation.py``)."""

from __future__ import annotations

import argparse

from vjepa_ros.command_errors import command_ended, usage_errors
from vjepa_ros.path_text import shown_path
from vjepa_ros.sim.choices import HELD_OUT_SEED_START, RANDOMIZE_WHAT, TASKS

SUMMARY_NAME = "collector.json"  # the motion task's list of its episodes (sim.collector)
# scripts/collect_manipulation_episodes.sh's record of the collect that made a folder (its
# options, the episodes saved), written once that collect ended with status 0
SCRIPT_RECORD_NAME = "collected.txt"


def cmd_collect(args: argparse.Namespace) -> int:
    """Record episodes into ``args.out``; exit 2 on a bad option, 1 on any other refusal.

    A folder that holds episode files already (``*.npz``) is refused before any simulator
    starts: collect would overwrite some of them and leave the others, its ``collector.json``
    listing only the new ones. A ``collector.json`` that could not be replaced (a folder) is
    refused then too, for ``--task motion`` (the only task that writes one). Partial files of a
    collect killed while saving an episode, a sub-goal image or ``collector.json``
    (``NAME.PID.partial``, its process gone) are removed, in one line. The record of an earlier
    collect into the folder (``collected.txt``: :func:`_forget_script_record`) is removed too.
    A full disk (ENOSPC, EDQUOT) while it saves: one line naming ``--out``, how many episodes
    were saved there and how to collect the rest (:func:`_disk_full_text`), status 1.
    """
    from vjepa_ros.atomic_files import remove_stale_partials
    from vjepa_ros.out_paths import check_output_names, output_dir

    started = False  # the options are checked: what a stop ends is the collection
    try:
        with usage_errors():  # the options alone: a usage error (exit status 2)
            _check_collect_options(args)
        sim_config, config = checked_sim_options(
            args, 16 if args.frames is None else args.frames, args.episodes)
        from vjepa_ros.train.out_check import refuse_out_in_recording

        refuse_out_in_recording(args.out, "collect")  # never into a bag's folder
        output_dir(args.out, create=False)  # the first episode's file creates it
        _check_no_episodes(args.out)
        if args.task == "motion":  # (the manipulation tasks write no collector.json)
            # written after the episodes: a folder in its way would leave them unlisted
            check_output_names(args.out, [SUMMARY_NAME])
        # files of a collect killed while saving one (kill -9): a live run's are kept
        remove_stale_partials(args.out, lambda name: _writes(args.task, name))
        _forget_script_record(args.out)
        started = True  # stopped from here on (the imports take seconds): say what was saved
        from vjepa_ros.disk_full import writing
        from vjepa_ros.sim.collector import collect  # the simulator: after every check
        from vjepa_ros.sim.manipulation import collect_manipulation
        from vjepa_ros.sim.randomize import SceneRandomization

        # a full disk: an episode whose sub-goal images were cut off is removed (its whole
        # .npz too: the advice records it again), then one line naming the folder and what it
        # holds now (DiskFullError)
        with writing(args.out, lambda remedy: _disk_full_text(args, remedy,
                                                              _remove_cut_episodes(args))):
            if args.task == "motion":
                randomization = (SceneRandomization(what=args.randomize) if args.randomize
                                 else None)
                collect(args.out, args.episodes, args.seed, sim_config, config,
                        randomization=randomization)
            else:
                collect_manipulation(args.out, args.task, args.object or "cup", args.episodes,
                                     args.seed, args.width, args.height)
    except (KeyboardInterrupt, OSError, ValueError, ImportError, RuntimeError) as exc:
        # a stop (Ctrl-C, SIGTERM) still checking the options: nothing started; once started,
        # any error is the collection's (status 1)
        return command_ended("vjepa-ros collect", exc, None if not started else
                             lambda: _saved_text(args.out, args.episodes),
                             status=1 if started else None)
    return 0


def _writes(task: str, name: str) -> bool:
    """Return whether ``collect --task task`` writes files named ``name`` into its ``--out``.

    Every task its episodes (``*.npz``); ``motion`` its ``collector.json``, the manipulation
    tasks each episode's sub-goal images (``<task>_<object>_<seed>_subgoal<i>_<name>.png``).
    """
    if task == "motion":
        return name.endswith(".npz") or name == SUMMARY_NAME
    return name.endswith(".npz") or (name.startswith(f"{task}_") and name.endswith(".png"))


def _forget_script_record(out_dir) -> None:
    """Remove :data:`SCRIPT_RECORD_NAME` from ``out_dir`` (a file or link; OSError if it can't be).

    It names the collect (options, episodes) that filled the folder before: the folder holds
    none of those episodes now (:func:`_check_no_episodes`), and kept, it would describe this
    collect's episodes, made by hand with other options or stopped at the recorded count, as
    that collect's: the script would keep the folder as complete.
    """
    from pathlib import Path

    record = Path(out_dir).expanduser() / SCRIPT_RECORD_NAME
    if record.is_symlink() or record.is_file():
        record.unlink(missing_ok=True)


def _episode_files(out_dir) -> list:
    """Return the episode files (``*.npz``, ``EP0.NPZ`` too) in ``out_dir`` now, sorted.

    None when it is missing. Any case (``bag_folders.suffix_any_case``): on a disk that ignores
    case, ``episode_000000.npz`` written would replace an ``episode_000000.NPZ``.
    """
    from pathlib import Path

    from vjepa_ros.recordings.bag_folders import suffix_any_case

    folder = Path(out_dir).expanduser()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if suffix_any_case(p.name, (".npz",)))


def _check_no_episodes(out_dir) -> None:
    """Refuse an ``--out`` folder that holds episode files; ValueError naming it."""
    from vjepa_ros.counts import counted

    found = _episode_files(out_dir)
    shown = shown_path(out_dir)
    if found:
        raise ValueError(f"--out {shown} holds {counted(len(found), 'episode file')} already "
                         f"({found[0].name}{', ...' if len(found) > 1 else ''}); collect does "
                         f"not overwrite {'them' if len(found) > 1 else 'it'}: give another "
                         "--out, or remove the folder")


def _saved_text(out_dir, episodes: int) -> str:
    """Say what a stopped collect saved: ``3 of 4 episodes saved in data/`` or nothing."""
    from vjepa_ros.counts import counted

    saved = len(_episode_files(out_dir))  # the folder held none before (_check_no_episodes)
    if not saved:
        return f"nothing saved (0 of {counted(episodes, 'episode')})"
    return f"{saved} of {counted(episodes, 'episode')} saved in {out_dir}"


def _disk_full_text(args: argparse.Namespace, remedy: str, cut: list[int]) -> str:
    """Say what a collect stopped by a full disk kept in ``--out`` and how to go on.

    ``1 of 4 episodes saved in data/ (the file being written is removed); a rerun into that
    folder is refused while it holds them: REMEDY, then collect the rest: rerun the same command
    with --out OTHER_FOLDER --seed 1 --episodes 3`` (its --frames, --width, ... kept: episodes of
    one shape; the next seed: one past the last saved file's, ``..._000000.npz``). REMEDY: what
    frees the write (``disk_full.remedy``: free space, named on the disk of ``--out``, the
    quota, the file-size limit).
    ``cut``: the seeds of the episodes whose sub-goal images were cut off, their files removed
    already by the caller (:func:`_remove_cut_episodes`): the line names them, so the seeds
    said collect them again. All there (``collector.json`` not): says so. Words only: reads
    the folder, removes nothing.
    """
    import re

    from vjepa_ros.disk_full import FREE_SPACE

    saved = _episode_files(args.out)
    text = _saved_text(args.out, args.episodes)
    removed = "the file being written is removed" + (
        f"; seed {', '.join(map(str, cut))}: its sub-goal images cut off, so its episode file "
        "(whole, usable for training) is removed too: a rerun from that seed records it again "
        "with them" if cut else "")
    if remedy == FREE_SPACE:  # which disk: the --out folder's
        remedy = "free space on that folder's disk"
    if not saved:
        return f"{text} ({removed}): {remedy} and run collect again"
    seeds = [int(m.group(1)) for p in saved if (m := re.search(r"(\d+)\.npz$", p.name, re.I))]
    after = max(seeds, default=args.seed + len(saved) - 1) + 1
    left = args.seed + args.episodes - after
    if left <= 0:  # collector.json
        return f"{text}, not all of its other files (collector.json): {remedy}"
    return (f"{text} ({removed}); a rerun into that folder is refused while it holds them: "
            f"{remedy} (or choose an OTHER_FOLDER on a disk with room), then collect the rest: "
            f"rerun the same command with --out OTHER_FOLDER --seed {after} --episodes {left}")


def _remove_cut_episodes(args: argparse.Namespace) -> list[int]:
    """Remove the files of each manipulation episode in ``--out`` not saved whole; its seeds.

    Whole: ``<task>_<object>_<seed>.npz`` and each of its sub-goal images
    (``..._subgoal<i>_<name>.png``, ``choices.MILESTONES[task]``). The motion task has none.
    A cut episode's ``.npz`` is written first and whole (atomic): ``vjepa-ros train`` could use
    it. It is removed all the same, so that the folder holds only episodes with their sub-goal
    images and :func:`_disk_full_text`'s advice (collect again from the first seed not whole)
    remakes the episode with its images (seeded: the same scene and expert noise); kept, the
    advice would skip its images and the rerun folder would hold a second copy. The lab loses
    the minutes of simulation the rerun repeats, not data.
    """
    import re
    from pathlib import Path

    from vjepa_ros.sim.choices import MILESTONES

    if args.task == "motion":
        return []
    folder = Path(args.out).expanduser()
    prefix = f"{args.task}_{args.object or 'cup'}_"
    stems: dict[int, list[Path]] = {}
    for path in folder.iterdir():
        found = re.fullmatch(re.escape(prefix) + r"(\d+)(\.npz|_subgoal\d+_.+\.png)", path.name)
        if found:
            stems.setdefault(int(found.group(1)), []).append(path)
    cut = []
    for seed, files in sorted(stems.items()):
        stem = f"{prefix}{seed:06d}"
        whole = {f"{stem}.npz"} | {f"{stem}_subgoal{number}_{name}.png"
                                   for number, name in enumerate(MILESTONES[args.task], 1)}
        if not whole <= {p.name for p in files}:
            cut.append(seed)
            for path in files:
                path.unlink(missing_ok=True)
    return cut


# The settings behind the simulator options (as their errors spell them) -> the options.
SIM_OPTIONS = {"camera.width/height": "--width/--height", "camera.width": "--width",
               "camera.height": "--height",
               "CollectorConfig.frames": "--frames"}


def checked_sim_options(args: argparse.Namespace, frames: int,
                        episodes: int | None = None) -> tuple:
    """Return ``(SimConfig, CollectorConfig)`` of ``--width --height --seed`` and ``frames``.

    ``episodes``: ``collect --episodes`` (seeded ``--seed``, ``--seed + 1``, ...); None for
    ``record``'s one episode.

    ``collect`` and ``record`` check them before any simulator starts; UsageError (exit status
    2) naming the option (``--width/--height must be 32..1024 px`` (``sim.config.CAMERA_SIZE_PX``,
    as ``run``), ``--width 33 and --height 1000: the camera image is 33x1000 px: ...`` (the
    planner's rule, ``image_limits.camera_shape_problem``), ``--seed -1: must be >= 0``, a seed
    past ``sim.choices.MAX_SEED``, for collect's last episode too:
    ``sim.choices.check_scene_seeds``, as ``run``), and for collect a seed of the held-out
    scenes, 900000 and up (``sim.choices.check_training_seeds``). An episode of ``frames``
    frames beyond the free memory: ValueError (exit status 1, as ``--samples``),
    ``sim.frames_memory``.
    """
    from vjepa_ros.sim.frames_memory import frames_memory_problem

    with usage_errors():
        configs = _checked_sim_options(args, frames, episodes)
    # beyond this machine's memory: status 1 as --samples (not a usage error, a machine's limit)
    problem = frames_memory_problem(frames, args.height, args.width)
    if problem:
        raise ValueError(problem)
    return configs


def _checked_sim_options(args: argparse.Namespace, frames: int, episodes: int | None) -> tuple:
    from vjepa_ros.cli_options import option_message
    from vjepa_ros.sim.choices import check_scene_seeds, check_training_seeds
    from vjepa_ros.sim.collector_config import CollectorConfig
    from vjepa_ros.sim.config import CameraConfig, SimConfig

    check_scene_seeds(args.seed, episodes)
    if episodes is not None:  # collect: training data, never the held-out scenes
        check_training_seeds(args.seed, episodes)
    try:
        return (SimConfig(camera=CameraConfig(width=args.width, height=args.height)).check(),
                CollectorConfig(frames=frames))
    except ValueError as exc:
        raise ValueError(option_message(str(exc), SIM_OPTIONS)) from None


def _check_collect_options(args: argparse.Namespace) -> None:
    """Refuse options that do not apply to ``--task`` (they would be ignored) and bad numbers."""
    if args.episodes < 1:
        raise ValueError(f"--episodes {args.episodes}: must be >= 1")
    if args.task == "motion":
        if args.object is not None:
            raise ValueError("--object is for the manipulation tasks (grasp, "
                             "reach-with-object, pick-and-place), not --task motion")
        return
    for option, given, why in (
            ("--frames", args.frames is not None, "the expert's episodes end when the task does"),
            ("--randomize", args.randomize, "a manipulation episode's scene is its seed's: the "
             "object, its placement and the coloured objects under the fixed camera and light "
             "that its sub-goal images and vjepa-ros run's episodes use")):
        if given:
            raise ValueError(f"{option} is for --task motion, not --task {args.task} ({why}): "
                             "leave it out")


def add_commands(sub) -> None:
    """Register ``collect`` on the ``vjepa-ros`` sub-parsers."""
    collect = sub.add_parser(
        "collect", help="record scripted episodes (frames, states, actions at 4 Hz) in the sim"
    )
    collect.add_argument("--out", required=True,
                         help="directory for the episodes: episode_<seed>.npz (motion), "
                         "<task>_<object>_<seed>.npz + sub-goal PNGs (manipulation)")
    collect.add_argument("--episodes", type=int, default=10, help="how many episodes")
    collect.add_argument(
        "--task", default="motion", choices=("motion", *TASKS),
        help="motion: varied scripted arm motions (--frames each); grasp, reach-with-object, "
        "pick-and-place: the scripted manipulation expert with misses and recoveries, plus "
        "the task's sub-goal images as PNG")
    collect.add_argument("--object", choices=("cup", "box"),
                         help="graspable object of the manipulation tasks (default cup)")
    collect.add_argument("--frames", type=int,
                         help="frames per episode (4 Hz; --task motion; default 16)")
    collect.add_argument("--seed", type=int, default=0, help="seed of the first episode (every "
                         f"episode's below {HELD_OUT_SEED_START}: the held-out scenes start "
                         "there)")
    collect.add_argument("--width", type=int, default=256, help="image width [px], 32..1024; "
                         "the long side at most 4 times the short")
    collect.add_argument("--height", type=int, default=256, help="image height [px], 32..1024")
    collect.add_argument("--randomize", nargs="?", const="all", choices=RANDOMIZE_WHAT,
                         help="a scene of its own per episode (--task motion): 'all' (the "
                         "default when given alone): camera pose and field of view, light, "
                         "number and size of objects (for encoder pretraining); 'camera': only "
                         "the camera pose (a world model trained across camera placements)")
    collect.set_defaults(func=cmd_collect)
