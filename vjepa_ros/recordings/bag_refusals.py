"""What a recording's refusals say: the damage first, a short topic's count and fix, two cameras.

Used by :func:`~vjepa_ros.recordings.bags.read_recording` (importable from there as before).
"""

from __future__ import annotations

from vjepa_ros.recordings.bag_files import BagError, DamagedBagError


def damage_first(exc: BagError, damage: list[str]) -> BagError:
    """Return ``exc`` led by the notes on what the bag lost (itself when none, or it says so).

    A damaged recording can fail later for what the damage took (one frame left of a cut
    camera stream): the damage is the cause to read first, whatever the error.
    """
    missing = [note for note in damage if note not in str(exc)]
    if not missing:
        return exc
    kind = DamagedBagError if isinstance(exc, DamagedBagError) else BagError
    return kind(f"{'; '.join(missing)}. What is intact: {exc}")


def summary_counted(short: dict[tuple[str, str], tuple[int, int]], topic: str) -> str:
    """Say that ``topic``'s summary counted more messages than were read ("" when not).

    ``short``: ``iter_messages``' shortfalls, (topic, type) -> (counted, read).
    """
    counted = sum(count for (name, _), (count, _) in short.items() if name == topic)
    return (f", though its summary counted {counted} (the recorder counted messages it did "
            "not write, or the file changed since)") if counted else ""


def short_topic_fix(counted: str, otherwise: str) -> str:
    """Return the fix for a topic too short: re-copy or re-record when its summary counted more.

    ``counted``: :func:`summary_counted`'s text ("" when the summary counted no more);
    ``otherwise``: the fix when it did not (name another topic, record longer).
    """
    return "re-copy the bag from the recording machine, or record again" if counted else \
        otherwise


def check_one_camera(path, topic: str, frames: dict[str, int]) -> None:
    """Refuse a camera topic whose frames name more than one header.frame_id: two cameras.

    ``frames``: frame_id -> how many frames carry it. Two camera drivers launched without their
    own namespaces publish one topic; read as one camera, a step would plan from one view
    toward the other (breaker38). The planner node holds for two publishers on its camera topic
    likewise. Raises BagError naming the bag, the topic and the frame ids with their counts.
    """
    named = {frame: count for frame, count in frames.items() if frame}
    if len(named) < 2:
        return
    which = ", ".join(f"'{frame}' ({count} frames)" for frame, count in named.items())
    raise BagError(
        f"{path}: the frames on {topic} come from {len(named)} camera frames ({which}): two "
        "cameras on one topic? Record each camera on its own topic (launch the drivers with "
        "their own namespaces) and give --image-topic; a driver relaunched with another "
        "frame_id: record again with one frame_id (the check reads the whole bag)")


def publishers_note(topic: str, connections) -> str:
    """Say that the recorder saw more than one publisher on the camera topic ("" when not).

    ``connections``: the bag's rosbags connections. ``ros2 bag record`` lists the QoS profile
    offered by each publisher of a topic when it subscribed, one entry a publisher
    (``offered_qos_profiles``: a YAML string in ``metadata.yaml`` versions 4-8 and in
    SQLite3's topics table and MCAP's channel metadata, a list from version 9; rosbags parses
    both; a Foxy-era bag that records none counts 0). Two camera drivers launched with one
    camera name publish one topic with one ``frame_id``: their frames interleave, read as one
    camera (breaker60a #3; two frame_ids are refused, :func:`check_one_camera`). A publisher
    that never sent (a viewer's, a player left running) looks the same here, and the frames
    cannot tell whose they are: said, not refused, as the planner node holds live for two
    publishers.
    """
    counts = [len(getattr(getattr(c, "ext", None), "offered_qos_profiles", None) or [])
              for c in connections if c.topic == topic]
    count = max(counts, default=0)
    if count < 2:
        return ""
    return (f"warning: {topic} had {count} publishers when the recorder subscribed (its "
            "offered_qos_profiles): two cameras on one topic (two drivers launched with one "
            "camera name) interleave their frames, read here as one camera, each step planning "
            "from one view toward the other's; if so, record each camera on its own topic "
            "(launch the drivers with their own camera names) and give --image-topic; a "
            "publisher that never sent a frame (a viewer's, a bag player's) does no harm")
