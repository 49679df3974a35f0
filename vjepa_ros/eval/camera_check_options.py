"""The camera check's verdict threshold options, one definition for every command that judges.

``vjepa-ros camera-check`` (a bag), ``benchmarks/bench_camera_check.py`` (the live check in the
simulator) and ``benchmarks/bench_camera_verdict.py`` (saved check rows judged again) take the
same options for the ``camera_check.verdict.*`` parameters (:class:`CheckThresholds`), with the
same names, help and one-line errors. Torch-free, so the options are checked before anything
heavy loads.
"""

from __future__ import annotations

import argparse

from vjepa_ros.eval.camera_check_thresholds import PARAM_PREFIX, CheckThresholds

# CheckThresholds field -> its option (min_motions: no option; the node's parameter only)
VERDICT_OPTIONS = {"fine_deg": "--fine-deg", "max_residual_deg": "--max-residual-deg",
                   "min_scale": "--min-scale", "max_scale": "--max-scale",
                   "min_explained": "--min-explained",
                   "min_best_explained": "--min-best-explained",
                   "confidence": "--confidence", "min_motion_m": "--min-motion"}
VERDICT_HELP = {
    "fine_deg": "placement fine up to this rotation [deg]",
    "max_residual_deg": "move the camera when no rotation fits better than this RMS angle [deg]",
    "min_scale": "move the camera when the model infers less than this fraction of the executed "
    "motion's length, over all motions, along one base axis, or along any direction (the "
    "weakest direction of the map fitted from executed to inferred motions, with 10 or more "
    "motions)",
    "max_scale": "move the camera when the model infers more than this multiple of the executed "
    "motion's length, over all motions or along one base axis",
    "min_explained": "move the camera when the model's best action explains less than this "
    "fraction of its best axis' share of the frame change along some axis, or along a line off "
    "the axes that two or more motions moved along",
    "min_best_explained": "move the camera when the model's best action explains less than this "
    "share of the frame change along every axis",
    "confidence": "placement fine when the estimated rotation cannot be told from no rotation at "
    "this confidence, in (0, 1)",
    "min_motion_m": "executed motions shorter than this [m] are not used",
}
# The options' names where an error message spells the node's parameters
PARAMETER_OPTIONS = {f"{PARAM_PREFIX}{name}": option for name, option in VERDICT_OPTIONS.items()}


def _dest(name: str) -> str:
    return VERDICT_OPTIONS[name][2:].replace("-", "_")


def add_verdict_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the :data:`VERDICT_OPTIONS` as a "verdict thresholds" group (default: the node's)."""
    defaults = CheckThresholds()
    group = parser.add_argument_group(
        "verdict thresholds", "default: camera_check.verdict.* of config/planner.yaml "
        "(vjepa_ros.eval.camera_check_thresholds.CheckThresholds)")
    for name, option in VERDICT_OPTIONS.items():
        group.add_argument(option, dest=_dest(name), type=float, metavar="VALUE",
                           help=f"{VERDICT_HELP[name]} (default {getattr(defaults, name):g})")


def verdict_thresholds(args: argparse.Namespace) -> CheckThresholds:
    """Return the :class:`CheckThresholds` of the verdict options given, over the defaults.

    Raises ValueError naming the option (``--fine-deg must be an angle in (0, 180) deg ...``)
    for a threshold that would decide nothing.
    """
    given = {name: getattr(args, _dest(name)) for name in VERDICT_OPTIONS}
    try:
        return CheckThresholds(**{k: v for k, v in given.items() if v is not None})
    except ValueError as exc:
        raise ValueError(verdict_option_message(str(exc))) from None


def verdict_option_message(message: str) -> str:
    """Return ``message`` with ``camera_check.verdict.*`` parameters named as their options."""
    from vjepa_ros.cli_options import option_message

    return option_message(message, PARAMETER_OPTIONS)
