"""Train's ``data.topics.gripper_max_width`` when not given: the opening its bags record.

A bag written by this package records the hand's full opening its fingers were written at
(``recordings.recorded_hand``: ``metadata.yaml`` ``custom_data``). eval and camera-check read
one bag at it when ``--gripper-max-width`` is not given and the reading follows the record
(``eval.bag_options.read_bag``: decided by the one reading); train reads many and records one
opening in world_model.pt (``model_records``: the planner's ``robot.gripper_max_width`` is
checked against it) and its feature cache, before any bag is read, so it takes the recorded
opening only when every source is such a bag and all record the same one for a topic their
``metadata.yaml`` lists as JointState (``recorded_hand.recorded_width``, ``metadata.yaml`` alone,
the bags unopened); otherwise the default stays and each bag whose record differs says so as it
is read, as does a bag whose record its reading ignores (``recorded_hand.width_note``). Given
anywhere (``--gripper-max-width``, ``--config``, ``--set``), the setting wins. New runs only: a
resumed run keeps its stored settings.
"""

from __future__ import annotations

import dataclasses
import math

FIELD = "data.topics.gripper_max_width"


def with_recorded_width(config, given) -> tuple[object, str]:
    """Return (``config`` with the bags' recorded opening, the line saying so) or (config, "").

    ``config``: a checked ``TrainConfig``; ``given``: the dotted settings given (options,
    ``--set``, the ``--config`` file's). Unchanged, with "", when :data:`FIELD` is given, or
    :func:`run_opening` of its ``data.train`` and ``data.val`` keeps the setting.
    """
    if FIELD in given:
        return config, ""
    topics = config.data.topics
    width, said = run_opening([*config.data.train, *config.data.val], topics)
    if not said:
        return config, ""
    data = dataclasses.replace(config.data, topics=dataclasses.replace(
        topics, gripper_max_width=width))
    return dataclasses.replace(config, data=data), said


def run_opening(paths, topics) -> tuple[float, str]:
    """Return (the opening [m] train reads ``paths``' recordings at, the line saying so).

    The one decision of train (and of ``vjepa-ros inspect``'s train part), for
    ``data.topics.gripper_max_width`` not given: ``paths``: the data paths (``--data``,
    ``--val``); ``topics``: the run's ``BagTopics``. (``topics.gripper_max_width``, "") when
    the gripper is not read (``no_gripper``) or a topic is named, a source is not a bag of this
    package's writer (an ``.npz`` episode, a foreign bag), the bags record different openings
    or the same one as the setting, or the data cannot be found (the run's own check names
    that); else the opening all record, with its line.
    """
    from vjepa_ros.recordings.recorded_hand import recorded_width
    from vjepa_ros.train.episodes import EpisodeError, find_sources

    if topics.no_gripper or topics.gripper:
        return topics.gripper_max_width, ""
    try:
        sources = find_sources(list(paths))
    except EpisodeError:
        return topics.gripper_max_width, ""
    if not sources or any(source.kind != "bag" for source in sources):
        return topics.gripper_max_width, ""
    widths = {recorded_width(source.path, topics) for source in sources}
    if len(widths) != 1 or None in widths:
        return topics.gripper_max_width, ""
    width = widths.pop()
    if math.isclose(width, topics.gripper_max_width, abs_tol=1e-9):
        return topics.gripper_max_width, ""
    many = f"all {len(sources)} bags record" if len(sources) > 1 else "the bag records"
    return width, (
        f"{FIELD} not given: {many} the hand's full opening {width:g} m (metadata.yaml "
        "vjepa_ros.gripper_max_width): their fingers are read at it and world_model.pt records "
        "it (--gripper-max-width gives another)")
