"""Command-line options shared by the commands that load a world model and plan with CEM."""

from __future__ import annotations

import argparse


def add_planning_arguments(parser: argparse.ArgumentParser, default_preset: str) -> None:
    """Add ``--checkpoint --preset --samples --iterations --horizon --device --dtype --seed``."""
    parser.add_argument("--checkpoint", help="official V-JEPA 2-AC file (vjepa2-ac-vitg.pt) or a "
                        "file this project saved; default: a small RANDOM-weight model")
    parser.add_argument("--preset", default=default_preset,
                        help=f"CEM preset: paper (H 1), notebook (H 2) (default {default_preset})")
    parser.add_argument("--samples", type=int, help="override the preset's sample count")
    parser.add_argument("--iterations", type=int, help="override the preset's iterations")
    parser.add_argument("--horizon", type=int, help="override the preset's horizon")
    parser.add_argument("--device", help="cpu, cuda, cuda:1 (default: cuda when available)")
    parser.add_argument("--dtype",
                        help="float32 or bfloat16 (default: bf16 on CUDA, fp32 on CPU)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the CEM noise and random model")


# -- search method (cem / icem / mppi): its own block, generated from the typed settings --------

def add_search_method_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--method`` and one ``--icem-*`` / ``--mppi-*`` option per field of its settings.

    Option names and help come from ``planning.methods.ICEMSettings`` / ``MPPISettings`` (the
    same fields as the node's ``planner.icem.*`` / ``planner.mppi.*`` parameters); booleans get
    ``--no-`` forms. Read them back with :func:`search_method_changes`.
    """
    import dataclasses

    from vjepa_ros.planning.methods import METHODS, ICEMSettings, MPPISettings

    group = parser.add_argument_group("search method")
    group.add_argument("--method", choices=METHODS,
                       help="cem (the published planner, default), icem or mppi")
    for prefix, settings in (("icem", ICEMSettings), ("mppi", MPPISettings)):
        for field in dataclasses.fields(settings):
            flag = f"--{prefix}-{field.name.replace('_', '-')}"
            boolean = field.type in (bool, "bool")
            extra = ({"action": argparse.BooleanOptionalAction} if boolean
                     else {"type": float, "metavar": "VALUE"})
            group.add_argument(flag, dest=f"{prefix}__{field.name}", default=None,
                               help=field.metadata["description"], **extra)


def search_method_overrides(args: argparse.Namespace) -> dict:
    """Return the options given as dotted parameters (``planner.method``, ``planner.icem.*``)."""
    import dataclasses

    from vjepa_ros.planning.methods import ICEMSettings, MPPISettings

    given = {"planner.method": getattr(args, "method", None)}
    for prefix, settings in (("icem", ICEMSettings), ("mppi", MPPISettings)):
        for f in dataclasses.fields(settings):
            given[f"planner.{prefix}.{f.name}"] = getattr(args, f"{prefix}__{f.name}", None)
    return {key: value for key, value in given.items() if value is not None}


def search_method_changes(args: argparse.Namespace) -> dict:
    """Return ``CEMConfig`` changes (``method``, ``icem``, ``mppi``) for the options given.

    Exits with a one-line message naming the option when a value is out of range.
    """
    from vjepa_ros.planning.methods import ICEMSettings, MPPISettings

    changes: dict = {}
    for key, value in search_method_overrides(args).items():
        _, group, *name = key.split(".")
        if not name:
            changes["method"] = value
        else:
            changes.setdefault(group, {})[name[0]] = value
    try:
        for group, settings in (("icem", ICEMSettings), ("mppi", MPPISettings)):
            if group in changes:
                changes[group] = settings(**changes[group])
    except ValueError as exc:  # e.g. icem.noise_beta must be >= 0
        option = str(exc).split(" ", 1)[0].replace(".", "-").replace("_", "-")
        raise SystemExit(f"--{option}: {exc}") from None
    return changes
