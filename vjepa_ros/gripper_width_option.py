"""``--gripper-max-width``: one option, one meaning, for eval, camera-check and train.

``BagTopics.gripper_max_width`` (train: ``data.topics.gripper_max_width``), the planner's
``robot.gripper_max_width``.

Both commands read a bag's finger joints as closedness 1 - opening / width, clipped to [0, 1];
the width's range, (0, 0.08] m (the Franka Hand's full opening), is ``BagTopics``' declared
one, checked by ``BagTopics.check`` for both, and its error names the option the same way in
both (:func:`width_option_error`; train: its option table). No imports here.
"""

from __future__ import annotations

OPTION = "--gripper-max-width"
FIELD = "gripper_max_width"  # BagTopics' field (train: data.topics.gripper_max_width)
HELP = ("finger opening [m] read as fully open, closedness 0 (the planner's "
        "robot.gripper_max_width; default: the opening a bag of vjepa-ros record records, "
        "else 0.08, the Franka Hand's; at most 0.08)")
METAVAR = "METRES"


def width_option_error(text: str) -> str:
    """Return ``BagTopics.check``'s message ``text`` with the width's field named as the option.

    ``gripper_max_width must lie in (0, 0.08], got 0.2`` -> ``--gripper-max-width must lie in
    (0, 0.08], got 0.2`` (eval, camera-check); train names it so through its option table
    (``train.command_options.OPTIONS``). Another field's message is returned as it is.
    """
    return text.replace(FIELD, OPTION, 1)
