"""``vjepa-ros inspect PATH [PATH ...]``: what eval and train read from recordings, no model.

For each bag, ``.npz`` episode or folder of them (found as train finds them:
``train.episodes.find_sources``) it prints what ``vjepa-ros eval`` prints about its data before
the model loads (the bag line, the streams with their counts and rates, the frames' size and
encoding, the recorded hand, the steps eval would plan, the notes on topic choice and damage)
and what ``vjepa-ros train`` would make of it (segments, steps at the step rate, what is left
out and why) — in seconds, never importing torch (``inspect_data``). ``--json``: the same as
one JSON object. Exit status: 0 when every recording was read (eval's or train's refusal of
one is part of the answer), 1 when one could not be read at all (eval's status for it), 2 for
an option refused.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from vjepa_ros.cli_options import option_message
from vjepa_ros.cli_parser import Takes
from vjepa_ros.command_errors import command_ended
from vjepa_ros.config import UsageError
from vjepa_ros.eval.bag_options import add_step_rate_arguments, add_topic_arguments

PATH_WORDS = "a bag, an .npz episode or a folder of them"
CLIP_HELP = ("train's clip length in frames, at least 2 (default 8, train's --frames-per-clip): "
             "a source with no run of this many valid steps is left out")


def add_commands(sub) -> None:
    """Register ``inspect`` on an ``argparse`` subparsers object."""
    parser = sub.add_parser(
        "inspect", help="say what eval and train read from bags and .npz episodes (no model)",
        description="Read each recording as eval and train do and print what they would read: "
        "topics, counts, rates, encodings, the recorded hand, notes, steps and segments. "
        "Loads no model: seconds, not minutes.")
    # no metavar: argparse names a positional by it, and an empty one's refusal names its dest
    # as every command's does (``argument path: an empty value ('')``: cli_parser)
    parser.add_argument("path", nargs="+", type=Takes(PATH_WORDS),
                        help="a bag (folder, .mcap, .db3), an .npz episode, or a folder of them")
    add_step_rate_arguments(parser)
    parser.add_argument("--frames-per-clip", type=int, default=8, metavar="N", help=CLIP_HELP)
    add_topic_arguments(parser)
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object ({\"sources\": [...]}) instead of lines")
    parser.set_defaults(func=cmd_inspect)


def cmd_inspect(args: argparse.Namespace) -> int:
    """Print what eval and train read from the list ``args.path``; exit status: the module's."""
    from vjepa_ros.eval.command import EVAL_OPTIONS
    from vjepa_ros.planning.config import preset

    try:
        config = _checked_config(args, EVAL_OPTIONS)
        from vjepa_ros.eval.bag_options import topics_from_args

        # the topic options' own checks (--no-gripper with --gripper-topic): before any path
        topics = topics_from_args(argparse.Namespace(**{**vars(args), "bag": None}))
        horizon = preset("paper").horizon  # eval's default planner
        train_width, said = _train_opening(args, topics)
        entries, found_notes, status = [], [said] if said else [], 0
        if said and not args.json:
            from vjepa_ros.eval.report import note_lines

            print("\n".join(note_lines([said])), flush=True)
        for path in args.path:
            for entry in _path_entries(path, args, config, horizon, found_notes, train_width):
                status = 1 if entry.get("error") else status
                entries.append(entry)
                if args.json:
                    continue
                if entry.get("error"):  # as eval says it: one line on stderr, status 1
                    print(f"vjepa-ros inspect: {entry['error']}", file=sys.stderr, flush=True)
                    continue
                from vjepa_ros.eval.inspect_data import text_lines

                print("\n".join(text_lines(entry)), flush=True)
    except (KeyboardInterrupt, OSError, ValueError) as exc:
        return command_ended("vjepa-ros inspect", exc, "nothing saved (inspect writes no files)",
                             options=EVAL_OPTIONS)
    if args.json:
        from vjepa_ros.json_values import json_safe

        print(json.dumps(json_safe({"sources": entries, "notes": found_notes}), indent=1))
    return status


def _checked_config(args: argparse.Namespace, options: dict):
    """Return eval's ``EvalConfig`` of ``--rate``, ``--max-state-gap``; UsageError naming one."""
    from vjepa_ros.eval.eval_config import EvalConfig

    if args.frames_per_clip < 2:
        raise UsageError(f"--frames-per-clip must be at least 2, got {args.frames_per_clip}")
    try:
        return EvalConfig(rate_hz=args.rate, max_state_gap_s=args.max_state_gap).check()
    except ValueError as exc:
        raise UsageError(option_message(str(exc), options)) from None


def _train_opening(args: argparse.Namespace, topics) -> tuple[float, str]:
    """Return (the opening [m] ``train --data PATH...`` reads the paths at, its line or "").

    ``--gripper-max-width`` given: it (train's option wins). Else train's own decision over
    path given that exists (``recorded_width.run_opening``: the opening all the bags record); a
    path that is not there gets its own error entry, and a train run without it reads the others
    at what they record (train itself refuses the missing path).
    """
    if args.gripper_max_width is not None:
        return topics.gripper_max_width, ""
    from vjepa_ros.train.recorded_width import run_opening

    there = [path for path in args.path if os.path.exists(os.path.expanduser(path))]
    return run_opening(there, topics)


def _path_entries(path: str, args: argparse.Namespace, config, horizon: int,
                  found_notes: list[str], train_width: float):
    """Yield one entry per source under ``path`` (an ``error`` entry when it cannot be read).

    ``train_width``: the opening [m] train's part reads at (:func:`_train_opening`); eval's
    part takes the bag's own (``bag_options.read_bag``).

    What finding the sources notes (files skipped, files read as recordings of their own) is
    printed as ``note`` lines, or with ``--json`` added to ``found_notes``.
    """
    from vjepa_ros.eval.bag_options import topics_from_args
    from vjepa_ros.eval.inspect_data import eval_part, hand_words, train_part
    from vjepa_ros.path_text import shown_path
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.split_parts import lone_part_note
    from vjepa_ros.recordings.temp_copies import TempCopies
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import EpisodeError, find_sources

    notes: list[str] = []
    try:
        sources = find_sources([path], notes)
    except EpisodeError as exc:
        yield {"path": path, "error": str(exc)}
        return
    found_notes += notes
    # a part of a split recording given by itself: its recording's notes say it (eval's reading
    # adds split_parts.lone_part_note), said here only where that reading is refused
    parts = {source.path: note for source in sources if source.kind == "bag"
             and (note := lone_part_note(source.path)) and note in notes}
    from vjepa_ros.eval.report import note_lines

    ahead = [note for note in notes if note not in parts.values()]
    if ahead and not args.json:  # skipped files, files read as recordings of their own
        print("\n".join(note_lines(ahead)))
    for source in sources:
        shown = shown_path(source.path)
        bag = argparse.Namespace(**{**vars(args), "bag": str(source.path)})
        topics = topics_from_args(bag)
        entry = {"path": shown, "kind": source.kind}
        copies = TempCopies()  # eval's reading and train's: a .db3's pending log merged once
        try:
            if source.kind == "bag":
                try:
                    entry["eval"] = eval_part(bag, topics, config, horizon, copies)
                except (BagError, ValueError) as exc:
                    from vjepa_ros.recordings.topic_choice import without_train_keys

                    error = without_train_keys(str(exc))
                    part = parts.get(source.path, "")
                    if part and not args.json and "one part of a split recording" not in error:
                        print("\n".join(note_lines([part])), flush=True)
                    yield {**entry, "error": error}
                    continue
            data = DataConfig(rate_hz=config.rate_hz, max_state_gap_s=config.max_state_gap_s,
                              frames_per_clip=args.frames_per_clip,
                              topics=dataclasses.replace(topics, gripper_max_width=train_width))
            entry["train"] = train_part(source, data, copies)
            if source.kind == "bag":
                entry["hand"] = hand_words(source.path, entry["eval"]["gripper_max_width"],
                                           train_width,
                                           entry["eval"]["recording"]["gripper_source"])
        finally:
            copies.close()
        yield entry

