"""Which command's settings file a YAML mapping looks like, for the unknown-settings message.

``vjepa-ros pretrain --config config/train.yaml`` (or the reverse, or ``reach``'s, or a ROS 2
parameter file) leaves most of its keys unknown: ``config.from_dict`` then says whose file it
looks like instead of a hint per key (breaker53b). Torch-free; the settings classes are
imported only when a file is refused.
"""

from __future__ import annotations

import dataclasses
import importlib

# The commands' settings classes (a file's top-level keys are their fields): "module:Class" ->
# (the command, the package's file of that kind).
COMMAND_SETTINGS = {
    "vjepa_ros.train.config:TrainConfig": ("vjepa-ros train", "config/train.yaml"),
    "vjepa_ros.train.pretrain_config:PretrainConfig": ("vjepa-ros pretrain",
                                                       "config/pretrain.yaml"),
    "vjepa_ros.sim.reach_config:ReachDemoConfig": ("vjepa-ros reach / run",
                                                   "config/reach_demo.yaml"),
}
PARAMETER_FILE = ("a ROS 2 parameter file (for vjepa-ros launch --params-file, like "
                  "config/planner.yaml and config/sim.yaml)")
SHOWN_KEYS = 20  # unknown keys a refusal names; the rest are counted
MIN_UNKNOWN = 3  # fewer unknown keys: a typo or a key in the wrong section, not another's file


def _name(cls) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"


def _fields(target: str) -> frozenset[str]:
    module, _, name = target.partition(":")
    try:
        cls = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):  # a part not installed: that kind is not named
        return frozenset()
    return frozenset(f.name for f in dataclasses.fields(cls))


def looks_like(cls, data: dict, unknown: list[str]) -> str | None:
    """Return the refusal of ``data`` as another command's settings file, or None if it is not.

    ``cls``: the settings dataclass it was read as (only the :data:`COMMAND_SETTINGS` classes
    are judged); ``data``: the file's nested mapping; ``unknown``: its keys ``cls`` lacks. A
    mapping whose values hold ``ros__parameters`` is a ROS 2 parameter file; else, with
    :data:`MIN_UNKNOWN` unknown keys or more (``lr: 0.001`` alone in a train file is a key in
    the wrong section, not pretrain's file), it is the command's whose settings hold most of
    its keys, when they hold more than half of them and more than ``cls``'s do: ``this looks
    like a settings file for vjepa-ros train (as config/train.yaml): 18 of its 21 settings are
    unknown here (a, b, ...); give a settings file for vjepa-ros pretrain, like
    config/pretrain.yaml``.
    """
    own = COMMAND_SETTINGS.get(_name(cls))
    if own is None:
        return None
    advice = f"give a settings file for {own[0]}, like {own[1]}"
    if any(isinstance(value, dict) and "ros__parameters" in value for value in data.values()):
        return f"this looks like {PARAMETER_FILE}; {advice}"
    if len(unknown) < MIN_UNKNOWN:  # a typo or two: each key's own hint
        return None
    keys = set(data)
    best, known = None, len(keys) - len(unknown)
    for target, (command, example) in COMMAND_SETTINGS.items():
        count = len(keys & _fields(target))
        if target != _name(cls) and count > known and 2 * count > len(keys):
            best, known = f"a settings file for {command} (as {example})", count
    if best is None:
        return None
    shown = ", ".join(unknown[:SHOWN_KEYS]) + (
        f", ... ({len(unknown) - SHOWN_KEYS} more)" if len(unknown) > SHOWN_KEYS else "")
    return (f"this looks like {best}: {len(unknown)} of its {len(keys)} settings are unknown "
            f"here ({shown}); {advice}")

