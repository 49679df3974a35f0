"""What a ``camera-check --params-file F``'s own search settings would be, said as options.

The check uses only F's ``model.checkpoint`` (README): its search is the preset plus its own
options. F's ``planner.samples: 100`` was silently not used, and the up-front time note
predicted the preset's S 800, I 10 (user56u). :func:`file_search_note` says which of F's search
settings differ from the check's and the options that give them.
"""

from __future__ import annotations

import argparse

from vjepa_ros.cli_options import OPTION_FIELDS


def file_search_note(args: argparse.Namespace, cem, file_params: dict) -> str:
    """Return the note naming F's search settings the check does not use, or "".

    ``args``: camera-check's (``params_file``: F, None: the packaged file, no note; an option
    given, ``args.samples``, is the user's choice: not named); ``cem``: the check's
    ``CEMConfig``; ``file_params``: F's nested planner parameters
    (``camera_check_base.file_planner_params``). F's ``planner.*`` values of the fields that
    have an option (``cli_options.OPTION_FIELDS``; not ``horizon``: the check searches one
    step) that differ from ``cem``'s as parameters (``CEMParams.from_cem``): ``--params-file
    F's planner.samples 100 is not used: the check searches with its own options (samples
    800); give --samples 100 for the file's``.
    """
    if not args.params_file:
        return ""
    from vjepa_ros.robot.cem_params import CEMParams

    planner = file_params.get("planner")
    if not isinstance(planner, dict):
        return ""
    check = CEMParams.from_cem(cem)  # as parameters: close_gripper None is -1, as in F
    differ = [(name, planner[name]) for name in sorted(OPTION_FIELDS - {"horizon"})
              if name in planner and not isinstance(planner[name], (dict, list))
              and getattr(args, name, None) is None and planner[name] != getattr(check, name)]
    if not differ:
        return ""
    file_words = ", ".join(f"planner.{name} {value}" for name, value in differ)
    own = ", ".join(f"{name} {getattr(check, name)}" for name, _ in differ)
    options = " ".join(f"--{name.replace('_', '-')} {value}" for name, value in differ)
    return (f"--params-file {args.params_file}'s {file_words} "
            f"{'is' if len(differ) == 1 else 'are'} not used: the check searches with its own "
            f"options ({own}); give {options} for the file's")
