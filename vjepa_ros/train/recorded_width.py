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
    ``--set``, the ``--config`` file's). Unchanged, with "", when :data:`FIELD` is given, the
    gripper is not read (``no_gripper``) or a topic is named, a source is not a bag of this
    package's writer (an ``.npz`` episode, a foreign bag), the bags record different openings,
    or the data cannot be found (the run's own check names that).
    """
    from vjepa_ros.recordings.recorded_hand import recorded_width
    from vjepa_ros.train.episodes import EpisodeError, find_sources

    topics = config.data.topics
    if FIELD in given or topics.no_gripper or topics.gripper:
        return config, ""
    try:
        sources = find_sources([*config.data.train, *config.data.val])
    except EpisodeError:
        return config, ""
    if not sources or any(source.kind != "bag" for source in sources):
        return config, ""
    widths = {recorded_width(source.path, topics) for source in sources}
    if len(widths) != 1 or None in widths:
        return config, ""
    width = widths.pop()
    if math.isclose(width, topics.gripper_max_width, abs_tol=1e-9):
        return config, ""
    data = dataclasses.replace(config.data, topics=dataclasses.replace(
        topics, gripper_max_width=width))
    many = f"all {len(sources)} bags record" if len(sources) > 1 else "the bag records"
    return dataclasses.replace(config, data=data), (
        f"{FIELD} not given: {many} the hand's full opening {width:g} m (metadata.yaml "
        "vjepa_ros.gripper_max_width): their fingers are read at it and world_model.pt records "
        "it (--gripper-max-width gives another)")
