"""Check device_check.py's options before any stage starts: each refusal one line, exit 2.

The number options' ranges (:class:`Bounded`), the output folder (:func:`checked_out`), the
pretrain stage's settings and episodes (:func:`check_pretrain_inputs`) and the posttrain
stage's runs and episodes (:func:`check_posttrain_inputs`: a tar unpacked once here, for the
stage to read). ``parser.error`` is how each refuses (argparse's usage line, exit 2).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import tempfile
from pathlib import Path

import device_posttrain as posttrain
import device_stages as stages
from device_runs import DEVICE_FILE_BYTES, DEVICE_TOTAL_BYTES, LOG, RESULTS

MAX_SEEDS = 6  # the device tool returns at most 8 files: the JSON, the log and the encoders
MAX_RUNS = MAX_SEEDS  # ... or the post-trained world models


class Bounded:
    """An option's type: a number of ``kind`` (int: a whole number) from ``low`` to ``high``.

    Anything else (not a number of that kind, nan, inf, out of range) is argparse's one-line
    usage error (exit 2) naming the option and the range: ``argument --pretrain-batch: '1e8':
    give a whole number from 1 to 4096 (clips per step; the default is 256)``.
    """

    def __init__(self, kind: type, low: float, high: float, why: str):
        self.kind, self.low, self.high, self.why = kind, low, high, why

    def __call__(self, text: str):
        try:
            value = self.kind(text)
        except ValueError:
            value = None
        if value is None or not self.low <= value <= self.high:  # (nan: never in range)
            what, low, high = (("a whole number", self.low, self.high) if self.kind is int
                               else ("a number", f"{self.low:g}", f"{self.high:g}"))
            raise argparse.ArgumentTypeError(f"{text!r}: give {what} from {low} to {high} "
                                             f"({self.why})")
        return value


def checked_out(parser, given: str | None) -> str:
    """Return the output folder (--out, else $OUT, else ./outputs/device_check), absolute.

    Only once it could be made and written and no folder is where its files go; else exit 2 in
    one line naming the option (``out_paths``' checks: a file on the way, a folder it cannot
    write). Nothing is created here.
    """
    from vjepa_ros.out_paths import check_output_names, output_dir

    option = "--out" if given else "$OUT" if os.environ.get("OUT") else "--out (default)"
    out = Path(given or os.environ.get("OUT") or Path("outputs") / "device_check").expanduser()
    try:
        output_dir(out, option, create=False, claim=False)
        if out.is_dir():
            check_output_names(out, [RESULTS, LOG], option)
    except ValueError as exc:
        parser.error(str(exc))
    return str(out.absolute())


def check_out_names(parser, out: str, names: list[str]) -> None:
    """Exit 2 in one line for a file of ``names`` under ``out`` its stage could not replace.

    A folder where a model goes (a reused --out), found before the training, not at its
    export (``out_paths.check_output_names``).
    """
    from vjepa_ros.out_paths import check_output_names

    if Path(out).is_dir():
        try:
            check_output_names(out, names, "--out")
        except ValueError as exc:
            parser.error(str(exc))


def check_pretrain_inputs(parser, args) -> None:
    """Exit 2 in one line for pretrain settings or episodes the pretrain stage could not use.

    --pretrain-config and the --pretrain-* values as ``PretrainConfig`` (its one-line errors),
    then --pretrain-data read whole as the stage reads it (``pretrain_data_problem``; a few
    seconds for the default 259 episodes). Without --pretrain-data: nothing to check (the stage
    is skipped with a reason; --tiny: synthetic episodes).
    """
    from vjepa_ros.cli_options import option_message

    try:
        config = stages.pretrain_config(args, args.tiny)
    except ValueError as exc:
        names = {"PretrainConfig.steps": "--pretrain-steps",
                 "PretrainConfig.batch_size": "--pretrain-batch"}
        text = " ".join(option_message(str(exc), names).split())
        parser.error(f"--pretrain-config {text}" if args.pretrain_config else text)
    check_out_names(parser, args.out, [stages.encoder_name(config.batch_size, seed)
                                       for seed in args.pretrain_seeds])
    if importable("torch"):
        size = stages.encoder_file_bytes(config)
        if size > DEVICE_FILE_BYTES:
            parser.error(f"--pretrain-config: each seed's encoder would be a {size / 1e6:.1f} MB "
                         f"file (float32), more than the {DEVICE_FILE_BYTES / 2**20:.0f} "
                         "MiB the device tool brings back: give a smaller encoder")
        args.pretrain_bytes = size * len(args.pretrain_seeds)
    if args.pretrain_data is not None and importable("torch"):
        # (without torch, which reading episodes needs, main says in one line what to run)
        problem = stages.pretrain_data_problem(args, args.tiny)
        if problem:
            parser.error(problem)


def check_posttrain_inputs(parser, args, root: Path) -> None:
    """Exit 2 in one line for post-training runs or episodes the posttrain stage could not use.

    --posttrain-runs each parsed (``device_posttrain.run_spec``), at most :data:`MAX_RUNS`, none
    twice; --posttrain-data (default ``device_posttrain.DATA``) read whole as the
    stage reads it, a tar unpacked into a temporary folder that ``args.posttrain_folder`` names
    and main removes at the end (``device_posttrain.posttrain_data_problem``: tqdm too). Without
    --posttrain-data and without its default (``root``/``device_posttrain.DATA``: not carried),
    refused naming the default path; --tiny without it: synthetic episodes.
    """
    try:
        labels = [posttrain.run_spec(text)[0] for text in args.posttrain_runs]
    except ValueError as exc:
        parser.error(str(exc))
    if len(labels) > MAX_RUNS:
        parser.error(f"--posttrain-runs: at most {MAX_RUNS} (the device tool returns at most 8 "
                     "files: the JSON, the log and one world model per run)")
    if len(set(labels)) != len(labels):
        parser.error("--posttrain-runs: a run given twice")
    args.posttrain_runs = labels
    check_out_names(parser, args.out, [posttrain.model_name(label) for label in labels])
    if importable("torch"):
        total = args.pretrain_bytes if "pretrain" in args.stages else 0
        for label in labels:
            problem, size = posttrain.run_problem(label)
            if problem:
                parser.error(problem)
            total += size
        if total > DEVICE_TOTAL_BYTES:
            parser.error(f"--posttrain-runs: their world models (and the pretrain stage's "
                         f"encoders) take ~{total / 2**20:.0f} MiB together, more than the "
                         f"{DEVICE_TOTAL_BYTES / 2**20:.0f} MiB the device tool brings back: "
                         "give fewer or smaller runs")
    if args.posttrain_data is None and not args.tiny:
        default = root / posttrain.DATA
        if not default.is_file():  # the stage asked for would only be skipped: exit 0, no model
            parser.error(f"--posttrain-data not given and {default} is not there (was it "
                         "carried? docs/device_check.md: pack the episodes with "
                         "benchmarks/device_pack.py and carry the file)")
        args.posttrain_data = str(default)
    if not importable("torch"):
        return  # main says in one line what to run
    if not importable("tqdm"):
        parser.error(posttrain.TQDM_FIX)
    if args.posttrain_data is None:
        return  # --tiny: synthetic episodes
    folder = Path(tempfile.mkdtemp(prefix="device_posttrain_"))
    problem = "(not checked)"
    try:
        problem = posttrain.posttrain_data_problem(args.posttrain_data, folder)
    finally:  # also for an error the check did not foresee: nothing left behind
        if problem:
            shutil.rmtree(folder, ignore_errors=True)
    if problem:
        parser.error(problem)
    args.posttrain_tmp = str(folder)  # removed by main at the end
    args.posttrain_folder = str(posttrain.unpacked(
        Path(args.posttrain_data).expanduser(), folder))


def importable(name: str) -> bool:
    """Whether module ``name`` can be found (a finder that raises ImportError: not)."""
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
