"""The ``vjepa-ros bag-from-npz`` and ``record`` handlers: each writes one new bag.

vjepa-ros bag-from-npz OUT_BAG [--episode EPISODE.npz] [--storage mcap|sqlite3]
vjepa-ros record OUT_BAG [--seed 0] [--frames 16] [--storage mcap|sqlite3]

A stop says what was saved (:func:`_stopped_bag_saved`), a full disk names the bag
(:func:`bag_writing`). Their parsers are in ``eval/command.py``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from vjepa_ros.cli_options import check_input_paths
from vjepa_ros.command_errors import command_ended, saved_whole
from vjepa_ros.config import UsageError

# record's note on a training seed (sim.choices.training_seeds_note): what the bag then is
RECORD_SEED_MEANING = ("a model trained on collect's data has seen this episode, so eval or "
                       "camera-check on this bag is not held-out")


def _stopped_bag_saved(bag: Path, command: str, when: str, writing: bool) -> str:
    """Return what a stopped ``command`` saved of its new ``bag``: nothing, or the whole bag.

    ``command`` writes ``bag`` ``when`` ("once its 16 frames are simulated"), through the
    partial folder ``NAME.PID.partial`` renamed to ``bag`` once whole
    (``atomic_files.creating_folder``). Stopped before (``writing`` False): nothing saved.
    Stopped while writing: a partial folder still there is removed (only it: never ``bag``);
    a ``bag`` there was renamed whole just before the stop (``out_paths.new_output_dir`` made
    sure it did not exist and holds its name): saved.
    """
    from vjepa_ros.path_text import shown_path

    if not writing:
        return f"nothing saved ({command} writes the bag {shown_path(bag)} {when})"
    import shutil

    from vjepa_ros.atomic_files import partial_path

    shutil.rmtree(partial_path(bag), ignore_errors=True)  # (gone already, unless cut short)
    if bag.is_dir():
        return saved_whole("the bag", bag)
    return (f"stopped while writing the bag {shown_path(bag)}: nothing saved (the part written "
            "is removed)")


def bag_writing(bag: Path):
    """Return the context writing the new ``bag`` folder: a full disk ends it in one line.

    ``could not write BAG: no space left on its disk, it is full, N MB free; nothing saved
    there (the part written is removed): ...`` (``disk_full.writing``, a
    :class:`~vjepa_ros.disk_full.DiskFullError`: ENOSPC, EDQUOT) instead of a bare
    ``[Errno 28] No space left on device`` that names no file (breaker51d); a file-size limit
    (EFBIG): ``... raise the file-size limit ... or write to a disk without one (another out
    folder there)``, never a disk with room.
    """
    import errno

    from vjepa_ros.disk_full import RAISE_LIMIT, other_output, writing

    def fix(remedy: str) -> str:
        code = errno.EFBIG if remedy == RAISE_LIMIT else None
        return (f"nothing saved there (the part written is removed): {remedy}"
                f"{other_output(code, 'out folder')}")

    return writing(bag, fix)


def cmd_bag_from_npz(args: argparse.Namespace) -> int:
    """Write ``--episode`` as the new bag ``out``; exit status 2 for a bad option, else 1.

    Stopped (Ctrl-C, SIGTERM) once the options are checked: one line saying what was saved
    (:func:`_stopped_bag_saved`: nothing, a bag cut short while written removed), status
    130 / 143. A full disk while the bag is written: one line (:func:`bag_writing`), status 1.
    """
    from vjepa_ros.out_paths import new_output_dir
    from vjepa_ros.recordings.bag_files import BagError

    bag = None  # the bag to write, once the options are checked: what a stop ends
    writing = False  # the episode is read: writing the bag
    try:
        from vjepa_ros.recordings.step_rates import rate_problem

        rate = 4.0 if args.rate is None else args.rate
        if rate_problem("--rate", rate):
            raise UsageError(rate_problem("--rate", rate))
        bag = new_output_dir(args.out)
        check_input_paths(args)  # --episode
        # never torch: its import holds a stop until it ends (held_imports; 25 s when loaded)
        from vjepa_ros.example_episode import load_example
        from vjepa_ros.recordings.bag_writing import episode_start_ns, write_bag

        # --rate overrides the timestamps; one bag of one episode: never the others dropped
        example = load_example(args.episode, timestamps=args.rate is None,
                               single=("a bag holds one, nothing written", "write a bag of each"))
        writing = True
        with bag_writing(bag):  # a full disk: one line naming the bag (DiskFullError)
            path = write_bag(args.out, example.frames, example.states, example.timestamps,
                             rate_hz=rate, storage=args.storage, image_format=args.image_format,
                             start_time_ns=episode_start_ns(example.timestamps))
    except (KeyboardInterrupt, BagError, OSError, ValueError) as exc:  # a stop: Ctrl-C, SIGTERM
        # bag None: still checking the options, nothing started
        return command_ended("vjepa-ros bag-from-npz", exc, None if bag is None else
                             lambda: _stopped_bag_saved(bag, "bag-from-npz",
                                                        "once the episode is read", writing))
    print("".join(f"note: {n}\n" for n in example.notes) + f"wrote {path} ({args.storage}): "
          f"{len(example.frames)} frames {_timing(example.timestamps, args.rate, args.episode)}")
    return 0


def _timing(times, rate: float | None, episode) -> str:
    """Say how the frames were timed: the episode's timestamps, or ``--rate`` (given or 4 Hz)."""
    if times is not None:
        from vjepa_ros.recordings.bag_writing import ABSOLUTE_FROM_S

        own = (len(times) - 1) / (times[-1] - times[0])
        start = (f"from {times[0]:.6f} s, its own clock's time" if times[0] >= ABSOLUTE_FROM_S
                 else "counted from the bag's default start")
        return (f"at the episode's timestamps ({own:.3g} Hz on average, {start}; --rate "
                "overrides them)")
    if rate is not None and episode is not None:
        return f"at {rate:g} Hz (--rate; the episode's own timestamps, if any, not used)"
    return f"at {4.0 if rate is None else rate:g} Hz"


def cmd_record(args: argparse.Namespace) -> int:
    """Simulate one episode and write it as the new bag ``out``; 2 for a bad option, else 1.

    Stopped: one line saying what was saved (:func:`_stopped_bag_saved`), 130 / 143; a full disk
    while the bag is written: one line naming it (:func:`bag_writing`), status 1.
    """
    import numpy as np

    from vjepa_ros.out_paths import new_output_dir
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.sim.choices import training_seeds_note
    from vjepa_ros.sim.command import checked_sim_options

    started = False  # the options are checked: what a stop ends is the recording
    writing = False  # the episode is simulated: writing the bag
    try:
        sim_config, collector_config = checked_sim_options(args, args.frames)
        if not collector_config.rate_hz <= args.state_rate <= sim_config.physics_hz:
            raise UsageError(f"--state-rate must lie in [{collector_config.rate_hz:g}, "
                             f"{sim_config.physics_hz:g}] Hz (the frames' rate up to the "
                             f"simulator's physics rate), got {args.state_rate:g}")
        bag = new_output_dir(args.out)
        started = True
        if note := training_seeds_note(args.seed, 1, meaning=RECORD_SEED_MEANING):
            print(f"note: {note}")
        from vjepa_ros.eval.record import simulate_episode, write_sim_bag  # after the checks

        episode, states = simulate_episode(args.seed, sim_config, collector_config,
                                           args.state_rate)
        writing = True
        with bag_writing(bag):
            path = write_sim_bag(args.out, episode, states, args.storage, args.image_format)
    except (KeyboardInterrupt, BagError, OSError, ValueError, ImportError) as exc:
        from vjepa_ros.counts import counted

        # a stop (Ctrl-C, SIGTERM) still checking the options: nothing started
        return command_ended("vjepa-ros record", exc, None if not started else lambda: (
            _stopped_bag_saved(bag, "record", f"once its {counted(args.frames, 'frame')} are "
                               "simulated", writing)), status=1 if started else None)
    moved = float(np.linalg.norm(np.diff(episode.states[:, :3], axis=0), axis=1).sum())
    print(f"wrote {path} ({args.storage}): {len(episode)} frames {args.width}x{args.height} at "
          f"4 Hz, {len(states.times_s)} states at {args.state_rate:g} Hz, end effector moved "
          f"{moved:.2f} m")
    return 0
