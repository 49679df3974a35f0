"""Writing rosbag2 bags without a ROS install: an episode, or any messages, whole or not at all.

:func:`write_bag` writes frames and states as the topics a Franka lab records (camera, pose,
gripper, optionally joint states) in MCAP or SQLite3, optionally zstd-compressed;
:func:`write_messages` writes entries of any layout; :func:`write_episode` writes an episode
object. A write that fails or is stopped leaves nothing at the path
(``atomic_files.creating_folder``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vjepa_ros.atomic_files import creating_folder
from vjepa_ros.images import ImageError
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.recorded_hand import hand_custom_data
from vjepa_ros.recordings.state_stream import StateStream
from vjepa_ros.recordings.time_precision import timestamp_precision_problem
from vjepa_ros.robot.joint_states import finger_position
from vjepa_ros.robot.kinematics import FrankaKinematics
from vjepa_ros.robot.state_ranges import states_problem

STORAGES = ("mcap", "sqlite3")
IMAGE_FORMATS = ("raw", "jpeg", "png")
COMPRESSIONS = ("none", "file", "message", "storage")  # rosbag2 zstd modes; storage: MCAP chunks
DEFAULT_START_NS = 1_700_000_000 * 1_000_000_000  # stamps of written bags start here
# episode timestamps [s] from here on are a time of their own (epoch seconds, a device or sim
# clock): bag-from-npz writes the bag at them; below, they count from the episode's start
ABSOLUTE_FROM_S = 1.0


def episode_start_ns(times_s: np.ndarray | None) -> int:
    """Return the time [ns] a bag of an episode at ``times_s`` [T] s starts at.

    Timestamps from :data:`ABSOLUTE_FROM_S` on (epoch seconds, a device or simulator clock)
    are kept: the bag's first stamp is their first, to the microsecond (float64 seconds of an
    epoch time hold 0.24 µs). Times from the episode's start (starting near 0), or none:
    :data:`DEFAULT_START_NS`, the intervals kept. Raises ValueError for a time past
    ``episode_file.MAX_STAMP_S`` (2262), which int64 nanoseconds do not hold, naming the unit
    the times look like (``episode_file.past_stamps_words``, the readers' rule).
    """
    from vjepa_ros.recordings.episode_file import past_stamps_words

    if times_s is None or not len(times_s) or float(times_s[0]) < ABSOLUTE_FROM_S:
        return DEFAULT_START_NS
    late = past_stamps_words(times_s)  # an epoch in ms/µs/ns, or inf
    if late:
        raise ValueError(f"the episode's timestamps {late}")
    return int(round(float(times_s[0]) * 1e9))
WRITTEN_GRIPPER_TOPIC = "/franka_gripper/joint_states"  # write_bag's gripper topic (franka_ros)


def write_bag(
    path: str | Path,
    frames: np.ndarray,
    states: np.ndarray,
    times_s: np.ndarray | None = None,
    *,
    rate_hz: float = 4.0,
    storage: str = "mcap",
    image_format: str = "raw",
    compression: str = "none",
    topics: BagTopics | None = None,
    joint_names: list[str] | None = None,
    joint_positions: np.ndarray | None = None,
    camera_frame: str = "camera_color_optical_frame",
    base_frame: str = "base",
    start_time_ns: int = DEFAULT_START_NS,
    state_stream: StateStream | None = None,
) -> Path:
    """Write an episode as a rosbag2 bag with the topics a Franka lab records.

    frames [T, H, W, 3] uint8 RGB and states [T, 7] at times ``times_s`` [T] (seconds from the
    start; default every 1/rate_hz). Writes the camera (``raw`` Image, or ``jpeg``/``png``
    CompressedImage on ``<image>/compressed``), the end-effector PoseStamped, the gripper's
    finger JointState, and ``joint_states`` when ``joint_positions`` [T, n] are given. Header
    stamps equal the record times. ``compression`` is a rosbag2 zstd mode: ``file`` (the data
    file becomes ``.mcap.zstd`` / ``.db3.zstd``), ``message``, or ``storage`` (MCAP's own chunk
    compression; MCAP only). ``metadata.yaml``'s ``custom_data`` records the gripper topic and
    the opening its fingers were written at (``recorded_hand``), so readers take that topic
    (the fingers are on ``joint_states`` too) without a note. ``state_stream``
    (``recordings.state_stream.StateStream``, its times on ``times_s``'s clock): the pose, the
    gripper and ``joint_states`` (its ``joint_positions``, with ``joint_names``) are written at
    the stream's times instead of once per frame, as a lab's arm publishes them (100 Hz-1 kHz);
    ``joint_positions`` is then not given. The bag is written whole or not
    at all (``atomic_files.creating_folder``): one failed or stopped mid-write leaves nothing
    at ``path``, never a shorter bag.
    """
    from rosbags.rosbag2 import StoragePlugin, Writer
    from rosbags.rosbag2.enums import CompressionFormat, CompressionMode

    config = (topics or BagTopics()).check()
    path = Path(path).expanduser()
    frames, states, times_ns = _check_episode(frames, states, times_s, rate_hz, start_time_ns)
    if storage not in STORAGES:
        raise BagError(f"storage must be one of {STORAGES}, got {storage!r}")
    if image_format not in IMAGE_FORMATS:
        raise BagError(f"image_format must be one of {IMAGE_FORMATS}, got {image_format!r}")
    if compression not in COMPRESSIONS or (compression == "storage" and storage != "mcap"):
        raise BagError(f"compression must be one of {COMPRESSIONS} ('storage' with mcap only), "
                       f"got {compression!r} for {storage}")
    if path.exists():
        raise BagError(f"{path} exists already; rosbag2 bags are never overwritten")
    if state_stream is None:  # the states of the frames, at their times
        stream_ns, stream_states = times_ns, states
        if joint_positions is not None:
            joint_positions = np.asarray(joint_positions, dtype=np.float64)
            if joint_names is None or joint_positions.shape != (len(frames), len(joint_names)):
                raise BagError("joint_positions must be [T, len(joint_names)] with joint_names "
                               "given")
    else:
        if joint_positions is not None:
            raise BagError("give joint positions in the state stream or per frame, not both")
        stream = state_stream.checked(None if joint_names is None else len(joint_names))
        stream_ns = _stream_times_ns(stream.times_s, times_s, times_ns)
        stream_states, joint_positions = stream.states, stream.joint_positions
    plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
    store = m.typestore()
    image_topic = config.image if image_format == "raw" else f"{config.image}/compressed"
    image_type = m.IMAGE if image_format == "raw" else m.COMPRESSED_IMAGE
    finger_names = FrankaKinematics().finger_names
    try:
        with creating_folder(path) as partial:  # whole at path, or nothing there
            writer = Writer(partial, version=8, storage_plugin=plugin)
            if compression != "none":
                writer.set_compression(CompressionMode[compression.upper()],
                                       CompressionFormat.ZSTD)
            gripper_topic = config.gripper or WRITTEN_GRIPPER_TOPIC
            # which topic its hand is, at which opening: no reader guesses (recorded_hand)
            for key, value in hand_custom_data(gripper_topic, config.gripper_max_width).items():
                writer.set_custom_data(key, value)
            with writer:
                image = writer.add_connection(image_topic, image_type, typestore=store)
                pose = writer.add_connection(config.pose, m.POSE_STAMPED, typestore=store)
                gripper = writer.add_connection(gripper_topic, m.JOINT_STATE, typestore=store)
                joints = None
                if joint_positions is not None:
                    joints = writer.add_connection(config.joint_states, m.JOINT_STATE,
                                                   typestore=store)
                # time order, a frame before the states of its time (as one loop wrote them)
                order = sorted([(int(t), 0, k) for k, t in enumerate(times_ns)]
                               + [(int(t), 1, k) for k, t in enumerate(stream_ns)])
                for time_ns, kind, k in order:
                    if kind == 0:
                        out = [(image, _frame_message(frames[k], time_ns, camera_frame,
                                                      image_format), image_type)]
                    else:
                        state = stream_states[k]
                        fingers = [finger_position(state[6], config.gripper_max_width)] * 2
                        out = [
                            (pose, m.pose_message(state, time_ns, base_frame), m.POSE_STAMPED),
                            (gripper, m.joint_state_message(finger_names, fingers, time_ns),
                             m.JOINT_STATE),
                        ]
                        if joints is not None:
                            out.append((joints, m.joint_state_message(
                                joint_names, joint_positions[k], time_ns),
                                m.JOINT_STATE))
                    for connection, message, msgtype in out:
                        writer.write(connection, time_ns, store.serialize_cdr(message, msgtype))
    except ImageError as exc:
        raise BagError(f"cannot write {path}: {exc}") from exc
    return path


def _frame_message(frame: np.ndarray, time_ns: int, camera_frame: str, image_format: str):
    """Return the camera message of ``frame`` [H, W, 3] uint8 RGB: Image (raw) or compressed."""
    if image_format == "raw":
        return m.image_message(frame, time_ns, camera_frame)
    return m.compressed_image_message(frame, time_ns, camera_frame, image_format)


def _stream_times_ns(stream_s: np.ndarray, times_s, times_ns: np.ndarray) -> np.ndarray:
    """Return the bag times [ns] of a state stream on the clock of the frames at ``times_s``."""
    first_s = 0.0 if times_s is None else float(np.asarray(times_s, dtype=np.float64)[0])
    return int(times_ns[0]) + np.round((stream_s - first_s) * 1e9).astype(np.int64)


def write_messages(path: str | Path, entries, storage: str = "mcap") -> Path:
    """Write ``(topic, message type, bag time ns, rosbags message)`` entries as a rosbag2 bag.

    For recordings of any layout (e.g. arm and finger joints as separate messages); the
    messages come from :mod:`vjepa_ros.recordings.messages`. Entries are written in the order
    given; the bag whole or not at all, as :func:`write_bag`'s.
    """
    from rosbags.rosbag2 import StoragePlugin, Writer

    if storage not in STORAGES:
        raise BagError(f"storage must be one of {STORAGES}, got {storage!r}")
    store = m.typestore()
    plugin = StoragePlugin.MCAP if storage == "mcap" else StoragePlugin.SQLITE3
    path = Path(path).expanduser()
    with creating_folder(path) as partial, \
            Writer(partial, version=8, storage_plugin=plugin) as writer:
        connections = {}
        for topic, msgtype, time_ns, msg in entries:
            if topic not in connections:
                connections[topic] = writer.add_connection(topic, msgtype, typestore=store)
            writer.write(connections[topic], int(time_ns), store.serialize_cdr(msg, msgtype))
    return path


def _check_episode(frames, states, times_s, rate_hz, start_time_ns):
    frames = np.asarray(frames)
    states = np.asarray(states, dtype=np.float64)
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise BagError(f"frames must be uint8 [T, H, W, 3], got {frames.dtype} {frames.shape}")
    if states.shape != (len(frames), 7):
        raise BagError(f"states must be [T, 7] with T = {len(frames)}, got {states.shape}")
    problem = states_problem(states)  # NaN/inf, closedness outside [0, 1], beyond reach
    if problem:
        raise BagError(problem)
    if times_s is None:
        if not rate_hz > 0:
            raise BagError(f"rate_hz must be > 0, got {rate_hz}")
        offsets_ns = np.round(np.arange(len(frames)) * 1e9 / rate_hz)
    else:
        coarse = timestamp_precision_problem(times_s)  # float32 epoch seconds: 128 s steps
        if coarse:
            raise BagError(f"times_s {coarse.removeprefix('its timestamps ')}")
        times_s = np.asarray(times_s, dtype=np.float64)
        if times_s.shape != (len(frames),) or not np.all(np.diff(times_s) > 0):
            raise BagError("times_s must be [T] and strictly increasing")
        offsets_ns = np.round((times_s - times_s[0]) * 1e9)
    # Integer arithmetic: epoch nanoseconds do not fit a float64 mantissa.
    return frames, states, int(start_time_ns) + offsets_ns.astype(np.int64)


def write_episode(path: str | Path, episode, **kwargs) -> Path:
    """:func:`write_bag` of an episode object (``frames``, ``states``, optional ``times``).

    Accepts this package's episodes (simulator, :func:`vjepa_ros.example_episode.load_example`)
    and any object with these attributes; ``joint_positions`` / ``joint_names`` are written
    when present.
    """
    frames = getattr(episode, "frames", None)
    if frames is None:
        frames = getattr(episode, "observations", None)
    states = getattr(episode, "states", None)
    if frames is None or states is None:
        raise BagError(f"{type(episode).__name__} has no frames/states to write")
    for name in ("times", "timestamps", "times_s"):
        if getattr(episode, name, None) is not None and "times_s" not in kwargs:
            kwargs["times_s"] = getattr(episode, name)
    for name in ("joint_positions", "joint_names"):
        if getattr(episode, name, None) is not None and name not in kwargs:
            kwargs[name] = getattr(episode, name)
    return write_bag(path, frames, states, **kwargs)
