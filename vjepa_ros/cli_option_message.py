"""Setting names in a message turned into the command-line options that set them.

:func:`option_message` (``CEMConfig.topk`` -> ``--topk``, ``goals.X`` -> ``--subgoal-X``, a
command's own map of settings to options) and :func:`goal_option`; a file's name
(``planner.yaml``) is left as it is. Split from ``cli_options`` (which imports it, so both
spellings of the import work).
"""

from __future__ import annotations

import re


def option_message(message: str, options: dict[str, str] | None = None,
                   typed=None) -> str:
    """Return ``message`` with the command-line options named instead of the settings.

    ``CEMConfig.topk`` -> ``--topk``, ``goals.energy_threshold`` -> ``--subgoal-energy-threshold``;
    ``options`` maps further setting names (as the message spells them, e.g. ``rate_hz`` or
    ``episode.max_steps``) to the command's options (``--rate``), whole words only, longest
    first; pass only the options the user gave, so that a value from a file keeps its key. A
    setting the message already pairs with its option (``data.topics.gripper
    (--gripper-topic)``) becomes the option once.
    ``typed`` (a collection of options, e.g. ``{"--samples"}``): a planner setting is named as
    its option only if given there, else by its bare name (``samples``, ``icem.noise_beta``:
    a script that has no such option); None: always as the option. Only a name standing as a
    setting's is rewritten: a file's path (``/d/planner.yaml``, ``refine.yaml``, ``planner.d/``)
    stays as it is.
    """
    def option(match):
        if _file_name(match):
            return match.group(0)
        flag = f"--{re.sub('[._]', '-', match.group(1))}"
        return flag if typed is None or flag in typed else match.group(1)

    for name in sorted(options or {}, key=len, reverse=True):
        message = re.sub(rf"{_KEY_START}{re.escape(name)}{_KEY_END}"
                         rf"(?: \({re.escape(options[name])}\))?", options[name], message)
    message = re.sub(rf"{_KEY_START}(?:CEMConfig\.|planner\.|(?=(?:icem|mppi|refine)\.))"
                     rf"(\w+(?:\.\w+)?){_KEY_END}", option, message)
    return re.sub(rf"{_KEY_START}goals\.(\w+){_KEY_END}",
                  lambda m: m.group(0) if _file_name(m) else goal_option(m.group(1)), message)


# Where a setting's name stands in a message: not inside a word or a path (``/d/planner.yaml``,
# ``planner.d/x``, ``~planner.x``), nor followed by more of one (``planner.samples/``,
# ``goal.x.y`` for ``goal``); a sentence's full stop may follow it. A name right after
# ``--set `` is the setting as the user typed it (``--set predictor.init=Demo``): kept.
_KEY_START = r"(?<![\w./\\~-])(?<!--set )"
_KEY_END = r"(?![\w/\\-]|\.\w)"
# Last parts of a file's name that no setting has: ``planner.yaml`` in a message is a file.
_FILE_SUFFIXES = frozenset(("yaml", "yml", "json", "toml", "xml", "txt", "csv", "log", "npz",
                            "npy", "pt", "pth", "ckpt", "safetensors", "mcap", "db3", "bag",
                            "png", "jpg", "jpeg", "py", "d"))


def _file_name(match: re.Match) -> bool:
    """Return whether a matched ``planner.X`` / ``goals.X`` is a file's name (``planner.yaml``)."""
    return match.group(0).rsplit(".", 1)[-1].lower() in _FILE_SUFFIXES


def goal_option(name: str) -> str:
    """Return the ``--subgoal-*`` option of the ``goals.*`` setting ``name``."""
    return f"--subgoal-{name.replace('_', '-')}"
