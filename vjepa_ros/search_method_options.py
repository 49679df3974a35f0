"""Command-line options of the search method: --method, --icem-*, --mppi-*, --refine-*.

Generated from the typed settings (``planning.methods.SETTINGS_GROUPS``: the same fields as the
planner node's ``planner.icem.*`` / ``planner.mppi.*`` / ``planner.refine.*`` parameters), for
every command and benchmark that plans (``cli_options`` adds the CEM options beside them).
"""

from __future__ import annotations

import argparse

from vjepa_ros.cli_option_message import option_message


def add_search_method_arguments(parser: argparse.ArgumentParser, defaults=None) -> None:
    """Add ``--method`` and one ``--icem-*`` / ``--mppi-*`` / ``--refine-*`` option per field.

    Option names and help come from ``planning.methods.SETTINGS_GROUPS`` (the same fields as the
    node's ``planner.icem.*`` / ``planner.mppi.*`` / ``planner.refine.*`` parameters); booleans
    get ``--no-`` forms. ``defaults``: the ``CEMConfig`` the command plans with when they are
    left out (read from its settings file), whose values the help shows; None: the planner's
    own. Read them back with :func:`search_method_changes`.
    """
    import dataclasses

    from vjepa_ros.planning.method_reads import METHODS
    from vjepa_ros.planning.methods import SETTINGS_GROUPS

    group = parser.add_argument_group("search method")
    group.add_argument("--method", choices=METHODS,
                       help="cem (the published planner), icem or mppi (default "
                       f"{'cem' if defaults is None else defaults.method})")
    for prefix, settings in SETTINGS_GROUPS.items():
        chosen = None if defaults is None else getattr(defaults, prefix)
        for field in dataclasses.fields(settings):
            flag = f"--{prefix}-{field.name.replace('_', '-')}"
            if field.type in (bool, "bool"):
                extra = {"action": argparse.BooleanOptionalAction}
            else:
                number = int if field.type in (int, "int") else float
                extra = {"type": number, "metavar": number.__name__.upper()}
            default = field.default if chosen is None else getattr(chosen, field.name)
            shown = ("on" if default else "off") if isinstance(default, bool) else default
            text = field.metadata["description"].rstrip(".")
            group.add_argument(flag, dest=f"{prefix}__{field.name}", default=None,
                               help=f"{text} (default {shown})", **extra)


def search_method_overrides(args: argparse.Namespace) -> dict:
    """Return the options given as dotted parameters (``planner.method``, ``planner.icem.*``).

    Whether the chosen method uses them is checked on the whole configuration
    (``planning.methods.check_given_settings_used``: the method may come from a preset or a
    ``--config`` file).
    """
    import dataclasses

    from vjepa_ros.planning.methods import SETTINGS_GROUPS

    given = {"planner.method": getattr(args, "method", None)}
    for prefix, settings in SETTINGS_GROUPS.items():
        for f in dataclasses.fields(settings):
            given[f"planner.{prefix}.{f.name}"] = getattr(args, f"{prefix}__{f.name}", None)
    return {key: value for key, value in given.items() if value is not None}


def negated_search_options(args: argparse.Namespace) -> dict[str, str]:
    """Return ``planner.GROUP.FIELD`` -> ``--no-GROUP-FIELD`` for each switch given as ``--no-``.

    For :func:`option_message`, so that a message names the option as it was typed
    (``--no-mppi-normalize-costs is for planner.method mppi ...``), not by its positive name.
    """
    import dataclasses

    from vjepa_ros.planning.methods import SETTINGS_GROUPS

    return {f"planner.{prefix}.{f.name}": f"--no-{prefix}-{f.name.replace('_', '-')}"
            for prefix, settings in SETTINGS_GROUPS.items() for f in dataclasses.fields(settings)
            if getattr(args, f"{prefix}__{f.name}", None) is False}


def search_method_changes(args: argparse.Namespace) -> dict:
    """Return ``CEMConfig`` changes (``method``, ``icem``, ``mppi``, ``refine``) for the options.

    Raises ValueError naming the option (``--icem-noise-beta must lie in [0, 8], got -1.0``) when a
    value is out of range; the command prints it after its own prefix.
    """
    from vjepa_ros.planning.methods import SETTINGS_GROUPS

    changes: dict = {}
    for key, value in search_method_overrides(args).items():
        _, group, *name = key.split(".")
        if not name:
            changes["method"] = value
        else:
            changes.setdefault(group, {})[name[0]] = value
    try:
        for group, settings in SETTINGS_GROUPS.items():
            if group in changes:
                changes[group] = settings(**changes[group])
    except ValueError as exc:  # e.g. icem.noise_beta must be >= 0 -> --icem-noise-beta ...
        raise ValueError(option_message(str(exc))) from None
    return changes
