"""An option of ``train`` and a ``--set`` item giving one setting two values: refused.

``vjepa-ros train --lr 1e-4 --set optim.lr=1e-3`` trained at 1e-3 (``--set`` was applied after
the options) in either order, without a word, where README said the options win (breaker57f).
One rule for every command that takes an option and a free-form override of the same setting,
as ``vjepa-ros launch`` refuses an option and a ``-p`` item giving one parameter two values
(``nodes.launch_inputs.check_option_overrides``): neither is dropped unseen; the same value
twice (``--steps 10 --set steps=10``, ``--out run --set out=./run``) is no conflict.
"""

from __future__ import annotations

from vjepa_ros.config import UsageError
from vjepa_ros.yaml_keys import setting_leaves


def check_set_against_options(given: dict, typed: dict,
                               items: list[tuple[str, str, object]]) -> None:
    """Refuse a ``--set`` item giving a setting an option also gives, with another value.

    ``given``: ``{dotted field: value}`` the options give (``{"optim.lr": 0.0001}``; a mapping,
    ``--encoder-arg``'s ``encoder_args``, is compared leaf by leaf); ``typed``: ``{dotted
    name: the option as typed}`` of its fields and leaves (``"--lr 0.0001"``); ``items``:
    ``(item as typed, dotted key, value read)`` of each ``--set`` (``optim={lr: 1}`` reaches
    ``optim.lr`` too). Values are compared as the setting reads them (``1e-3`` and ``0.001``
    are one float, ``run`` and ``./run`` one path, ``demo`` the packaged model's file, as
    :func:`vjepa_ros.input_paths.world_model_path` reads it: `` demo `` is no keyword). Raises
    UsageError (exit status 2): ``--lr 0.0001 and --set optim.lr=1e-3 give optim.lr different
    values: give one of them``.
    """
    options = {name: value for field, option_value in given.items()
               for name, value in setting_leaves(field, option_value)}
    for item, key, set_value in items:
        for name, value in setting_leaves(key, set_value):
            if name in options and not _same(name, options[name], value):
                parts = name.split(".")  # the option of the leaf, or of a mapping above it
                option = next(typed[head] for head in (".".join(parts[:end]) for end in
                                                       range(len(parts), 0, -1))
                              if head in typed)
                raise UsageError(f"{option} and --set {item} give {name} different values: "
                                 "give one of them")


def _same(name: str, first, second) -> bool:
    """Whether two values of setting ``name`` are one as the run reads them.

    A value the setting cannot take (``optim.lr=abc``) is not compared: its own error is the
    one to show, when the layers are applied.
    """
    try:
        return _as_read(name, first) == _as_read(name, second)
    except ValueError:
        return True


def _as_read(name: str, value):
    """Return ``value`` as a run reads setting ``name`` (typed, paths absolute; bool apart)."""
    from vjepa_ros.train.config import absolute_paths, make_config

    if name in ("encoder", "predictor.init") and isinstance(value, str) and \
            value.lower() == "demo":  # train's rule: world_model_path's (Demo: its own error)
        from vjepa_ros.input_paths import world_model_path

        value = str(world_model_path(value))
    config = absolute_paths(make_config({name: value}))
    head, read = name, config
    while head:  # into the sections, then into a mapping setting (encoder_args.depth)
        part, _, head = head.partition(".")
        read = read[part] if isinstance(read, dict) else getattr(read, part)
    return isinstance(read, bool), read  # true is not 1 (an encoder_args value)
