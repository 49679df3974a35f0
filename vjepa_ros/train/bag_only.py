"""The settings that only bags use, and the note when they are set for data without a bag.

``vjepa-ros train`` and ``pretrain`` read ``.npz`` episodes and rosbag2 bags; the bag topics
(``data.topics.*``: ``--image-topic``, ``--pose-topic``, ``--stamps``, ...) and the state-gap
limit apply to bags alone (an ``.npz`` episode's states lie at its frames' times; both kinds are
resampled to ``data.rate_hz``). Set for data that holds no bag they change nothing; saying so
keeps a user from believing a topic was used.
"""

from __future__ import annotations

import dataclasses

# DataConfig fields that only bags read (beside every data.topics.* field)
BAG_DATA_FIELDS = ("max_state_gap_s",)


def changed_bag_settings(data, ignore: tuple[str, ...] = ()) -> list[str]:
    """Return the dotted names (``data.topics.image``) of bag-only settings ``data`` changes.

    ``data``: a ``train.config.DataConfig``; a setting counts when it differs from the
    dataclass default. ``ignore``: dotted names left out (pretrain fixes
    ``data.topics.state_source`` and ``no_gripper`` itself).
    """
    defaults = type(data)()
    names = [f"data.{name}" for name in BAG_DATA_FIELDS
             if getattr(data, name) != getattr(defaults, name)]
    names += [f"data.topics.{field.name}" for field in dataclasses.fields(data.topics)
              if getattr(data.topics, field.name) != getattr(defaults.topics, field.name)]
    return [name for name in names if name not in ignore]


def unused_bag_note(sources, data, ignore: tuple[str, ...] = (),
                    keys: bool = True) -> str | None:
    """Return the note for bag-only settings given while no source is a bag, else None.

    ``sources``: the ``train.episodes.Source`` list found (``kind`` "npz" or "bag");
    ``data``: the ``DataConfig`` used. The note names each setting with its command-line
    option (``data.topics.image (--image-topic)``); ``keys`` False: by its option alone
    (``--image-topic``), for a command whose settings have no such key (pretrain).
    """
    if not sources or any(source.kind == "bag" for source in sources):
        return None
    names = changed_bag_settings(data, ignore)
    if not names:
        return None
    from vjepa_ros.train.command_options import OPTIONS, SWITCHES

    options = {field: option for option, field, *_ in (*OPTIONS, *SWITCHES)}
    if not keys:
        names = [options.get(name, name) for name in names]
    shown = ", ".join(f"{name} ({options[name]})" if keys and name in options else name
                      for name in names)
    count = len(sources)
    return (f"{shown} {'applies' if len(names) == 1 else 'apply'} to rosbag2 bags only; the "
            f"data holds no bag ({count} .npz episode{'s' if count != 1 else ''}, which hold no "
            "topics): not used")
