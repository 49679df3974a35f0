"""What a checkpoint's ``config["data"]`` records of the data its model was trained on.

``vjepa-ros train`` writes them (:func:`vjepa_ros.models.checkpoint.save_world_model`'s
``data``); files without them (older ones, the official and HF ones) read as None.
"""

from .errors import CheckpointError


def trained_frame_sizes(config: dict, path) -> list[tuple[int, int]] | None:
    """Return the (height, width) [px] frame sizes a file's model was post-trained on, or None.

    ``config``: the file's ``config`` entry; ``vjepa-ros train`` records the sizes of its data's
    frames in ``config["data"]["frame_sizes"]`` (files it wrote before, the official and HF ones:
    None, unknown). Raises :class:`CheckpointError` naming ``path`` for an entry that is not a
    list of [height, width] pairs of positive integers.
    """
    sizes = (config.get("data") or {}).get("frame_sizes")
    if sizes is None:
        return None
    if not (isinstance(sizes, (list, tuple)) and sizes and all(
            isinstance(size, (list, tuple)) and len(size) == 2 and all(
                isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in size)
            for size in sizes)):
        raise CheckpointError(f"{path}: config.data.frame_sizes must be a list of [height, "
                              f"width] pairs of pixels, got {sizes!r}; remove the entry or "
                              "write the file again with vjepa-ros train")
    return [(int(height), int(width)) for height, width in sizes]


def trained_aspect_ratio_range(config: dict, path) -> tuple[float, float] | None:
    """Return the (min, max) w/h crop range a file's predictor was post-trained with, or None.

    ``vjepa-ros train`` records its ``data.aspect_ratio_min/max`` in
    ``config["data"]["aspect_ratio_range"]`` (files it wrote before, the official and HF ones:
    None, DROID's 0.75..1.35 then applies). Raises :class:`CheckpointError` naming ``path`` for
    an entry that is not two positive numbers, min <= max.
    """
    value = (config.get("data") or {}).get("aspect_ratio_range")
    if value is None:
        return None
    if not (isinstance(value, (list, tuple)) and len(value) == 2 and all(
            isinstance(n, (int, float)) and not isinstance(n, bool) and 0 < n < float("inf")
            for n in value) and value[0] <= value[1]):
        raise CheckpointError(f"{path}: config.data.aspect_ratio_range must be [min, max] w/h "
                              f"crop ratios, 0 < min <= max, got {value!r}; remove the entry or "
                              "write the file again with vjepa-ros train")
    return float(value[0]), float(value[1])


def trained_tcp(config: dict, path) -> tuple[tuple[float, ...], tuple[float, ...]] | None:
    """Return the (tcp_xyz [m], tcp_rpy [rad]) joint-state bags were labelled at, or None.

    ``vjepa-ros train`` records ``data.topics.tcp_xyz`` / ``tcp_rpy`` in ``config["data"]``
    (files it wrote before, the official and HF ones: None, not recorded). Raises
    :class:`CheckpointError` naming ``path`` for entries that are not 3 finite numbers each.
    """
    data = config.get("data") or {}
    values = [data.get("tcp_xyz"), data.get("tcp_rpy")]
    if values == [None, None]:
        return None
    for name, value in zip(("tcp_xyz", "tcp_rpy"), values, strict=True):
        if not (isinstance(value, (list, tuple)) and len(value) == 3 and all(
                isinstance(n, (int, float)) and not isinstance(n, bool)
                and abs(n) < float("inf") for n in value)):
            raise CheckpointError(f"{path}: config.data.{name} must be 3 numbers (the TCP "
                                  f"joint-state bags were labelled at), got {value!r}; remove "
                                  "the entry or write the file again with vjepa-ros train")
    return tuple(float(n) for n in values[0]), tuple(float(n) for n in values[1])


def trained_without_gripper(config: dict, path) -> bool:
    """Tell whether a file's model was trained with no gripper state (``--no-gripper``).

    ``vjepa-ros train`` records ``data.topics.no_gripper`` in ``config["data"]["no_gripper"]``
    (closedness 0 throughout: the gripper dimension never learnt); files without it: False.
    Raises :class:`CheckpointError` naming ``path`` for an entry that is not true or false.
    """
    value = (config.get("data") or {}).get("no_gripper", False)
    if not isinstance(value, bool):
        raise CheckpointError(f"{path}: config.data.no_gripper must be true or false, got "
                              f"{value!r}; remove the entry or write the file again with "
                              "vjepa-ros train")
    return value


def trained_rate_hz(config: dict, path) -> float | None:
    """Return the step rate [Hz] a file's model was trained at (its actions' period), or None.

    ``vjepa-ros train`` records ``data.rate_hz`` in ``config["data"]["rate_hz"]`` (files it wrote
    before, the official and HF ones: None, DROID's 4 Hz assumed). Raises
    :class:`CheckpointError` naming ``path`` for an entry that is not a positive finite number.
    """
    return _positive_record(config, "rate_hz", path,
                            "a positive number of Hz (the step rate the model was trained at)")


def _positive_record(config: dict, name: str, path, wanted: str) -> float | None:
    """Return ``config["data"][name]`` as a float (None: absent); CheckpointError unless > 0."""
    value = (config.get("data") or {}).get(name)
    if value is None:
        return None
    if not (isinstance(value, (int, float)) and not isinstance(value, bool)
            and 0 < value < float("inf")):
        raise CheckpointError(f"{path}: config.data.{name} must be {wanted}, got {value!r}; "
                              "remove the entry or write the file again with vjepa-ros train")
    return float(value)


def trained_gripper_max_width(config: dict, path) -> float | None:
    """Return the finger opening [m] a file's model's closedness was computed with, or None.

    ``vjepa-ros train`` records ``data.topics.gripper_max_width`` in
    ``config["data"]["gripper_max_width"]`` (closedness = 1 - opening / width; files it wrote
    before, the official and HF ones: None, not recorded). Raises :class:`CheckpointError`
    naming ``path`` for an entry that is not a positive finite number.
    """
    return _positive_record(config, "gripper_max_width", path, "a positive number of metres "
                            "(the opening closedness was computed with)")
