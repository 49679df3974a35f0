"""Whether a bag folder's ``metadata.yaml`` agrees with its data files: the data is the truth.

``ros2 bag reindex`` (which the notes advise for a killed recorder) writes no compression for a
message-compressed bag, and a hand-edited or copied ``metadata.yaml`` can leave a topic out or
give it another type: read through it, the recorded pose is "not in the bag" and the zstd
messages "damaged". :func:`metadata_disagreement` says how they differ (one line naming
``metadata.yaml`` and its fix); :func:`vjepa_ros.recordings.bag_files.open_reader` then reads
the data files directly, with that line as a note; so it does for a ``storage_identifier``
that is none of rosbag2's (:func:`storage_identifier_problem`: ``MCAP``, empty).
"""

from __future__ import annotations

from pathlib import Path

from vjepa_ros.path_text import shown_path
from vjepa_ros.recordings.bag_reader import reindex
from vjepa_ros.recordings.data_file_parts import messages_are_zstd


def metadata_disagreement(path: Path, reader) -> str:
    """Return how ``path``'s ``metadata.yaml`` differs from its data files, or "" when it agrees.

    ``reader``: an open ``rosbags.rosbag2.Reader`` of the folder. Compared: each data file's
    topics and their types (a topic missing from ``metadata.yaml``, or another type there), and
    the message compression (zstd frames under a ``metadata.yaml`` saying none, or the other way
    round), and what ``rosbags`` matches a data file's connection by besides (its
    ``serialization_format``, ``offered_qos_profiles``, ``type_description_hash``: another
    distro's rosbag2 or a hand edit writes them otherwise, and no message is read). A topic
    listed without messages in the data is no disagreement (a recorder lists the topics it
    subscribed to).
    """
    directory = reader.storage
    listed: dict[str, set[str]] = {}  # topic -> its types (several: several connections)
    for connection in directory.connections:
        listed.setdefault(connection.topic, set()).add(connection.msgtype)
    recorded = dict.fromkeys((connection.topic, connection.msgtype)
                             for storage in directory.storages
                             for connection in storage.connections)
    problems = [f"{topic} [{kind}] is in the data but not in it"
                for topic, kind in recorded if topic not in listed]
    problems += [f"{topic} is {kind} in the data, {', '.join(sorted(listed[topic]))} in it"
                 for topic, kind in recorded if kind not in listed.get(topic, {kind})]
    problems += _unmatched(directory)
    fix = f"delete it and `{reindex(path)}` writes it again from the data"
    mode = reader.compression_mode
    if mode != "file" and directory.storages:
        zstd = messages_are_zstd(directory.storages[0])
        if zstd and mode != "message":
            problems.append("its messages are zstd frames (message-compressed) while it says no "
                            "compression")
            fix = ("set compression_mode: MESSAGE and compression_format: zstd in it (`ros2 bag "
                   "reindex` writes no compression for a message-compressed bag)")
        elif mode == "message" and zstd is False:
            problems.append("it says compression_mode MESSAGE while the messages are not zstd "
                            "frames")
            fix = "set compression_mode: '' and compression_format: '' in it"
    if not problems:
        return ""
    return (f"{shown_path(path / 'metadata.yaml')} disagrees with its data files: "
            f"{'; '.join(problems)} ({fix})")


def _unmatched(directory) -> list[str]:
    """Say which listed field keeps ``rosbags`` from matching a recorded topic to its listing.

    ``rosbags.rosbag2.Reader.messages`` reads a data file's connection only through a listed one
    of the same topic, type, ``ext`` (serialization format, QoS profiles) and hash (when both
    have one); none: the topic reads 0 messages.
    """
    problems = []
    for connection in (connection for storage in directory.storages
                       for connection in storage.connections):
        same = [listed for listed in directory.connections if listed.topic == connection.topic
                and listed.msgtype == connection.msgtype]
        if not same or any(listed.ext == connection.ext and _same_hash(listed, connection)
                           for listed in same):
            continue
        fields = _differing(connection, same) or ["topic_metadata"]
        verb = "differs" if len(fields) == 1 else "differ"
        problem = f"{connection.topic}: its {' and '.join(fields)} {verb} from the data's"
        if problem not in problems:
            problems.append(problem)
    return problems


def _differing(recorded, listed: list) -> list[str]:
    """Return the ``topic_metadata`` fields in which no one of ``listed`` is as ``recorded``."""
    fields = []
    if all(one.ext.serialization_format != recorded.ext.serialization_format for one in listed):
        fields.append("serialization_format")
    if all(one.ext.offered_qos_profiles != recorded.ext.offered_qos_profiles for one in listed):
        fields.append("offered_qos_profiles")
    if not any(_same_hash(one, recorded) for one in listed):
        fields.append("type_description_hash")
    return fields


def _same_hash(listed, recorded) -> bool:
    """Whether two connections' type hashes agree as ``rosbags`` matches them (either empty)."""
    return not listed.digest or not recorded.digest or listed.digest == recorded.digest


STORAGE_IDS = ("mcap", "sqlite3")  # rosbag2's storage_identifier values, as it writes them


def storage_identifier_problem(path: Path, info, files: list[Path]) -> tuple[str, str]:
    """Return (problem, fix) for a ``storage_identifier`` none of rosbag2's, else ("", "").

    ``info``: the parsed ``metadata.yaml``; ``files``: the folder's data files, read as their
    extension says. ``MCAP`` (another case, a hand-edited or converted file) or empty: rosbags
    would refuse the storage plugin ("please report issue"), though the data files read.
    """
    try:
        value = info["rosbag2_bagfile_information"]["storage_identifier"]
    except (KeyError, TypeError):
        return "", ""
    if value in STORAGE_IDS:
        return "", ""
    shown = f"'{value}'" if value not in (None, "") else "empty"
    suffixes = sorted({file.name.removesuffix(".zstd").rsplit(".", 1)[-1] for file in files})
    right = {("mcap",): "mcap", ("db3",): "sqlite3"}.get(tuple(suffixes))
    said = f"; `storage_identifier: {right}` in it is rosbag2's" if right else ""
    return (f"{shown_path(path / 'metadata.yaml')}: its storage_identifier is {shown} "
            f"(rosbag2 writes {' or '.join(STORAGE_IDS)})",
            f"read as the files' extension says ({', '.join('.' + s for s in suffixes)}){said}")
