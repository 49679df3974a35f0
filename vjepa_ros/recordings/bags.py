"""rosbag2 recordings without a ROS install: read frames and end-effector states, write bags.

Both storage formats (MCAP, the default since Iron, and SQLite3, Humble's default) go through the
``rosbags`` library. Reading is two passes: :func:`read_recording` collects every state and the
timestamp of every frame; :meth:`Recording.load_frames` then decodes only the frames asked for, so
a long 30 fps recording never sits decoded in memory.

Topics are the ones a Franka lab records (all configurable, :class:`BagTopics`): the RealSense
colour stream (raw ``sensor_msgs/Image`` or ``.../compressed``), the end-effector pose
(``geometry_msgs/PoseStamped``) and/or ``/joint_states`` (forward kinematics), and the gripper's
finger joints on any JointState topic (named, or found by the finger joint names). Joint states
in every layout (split/merged, prefixed, reordered, extra joints) go through
:mod:`vjepa_ros.robot.joint_states`. Every problem is a :class:`BagError` that names the bag and
the topic.
"""

from __future__ import annotations

import dataclasses
import struct
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from vjepa_ros.atomic_files import creating_folder
from vjepa_ros.config import check_values, param
from vjepa_ros.image_notes import camera_size_note, goal_size_note
from vjepa_ros.images import EncodingError, ImageError, decode_image_message
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import (
    BagError,
    DamagedBagError,
    iter_messages,
    open_reader,
    storage_of,
)
from vjepa_ros.recordings.topic_choice import (
    arm_topic_fix,
    candidates,
    gripper_topic_fix,
    resolve_gripper_topic,
    resolve_image_topic,
    resolve_state_topic,
)
from vjepa_ros.robot.base_frame import frame_matches
from vjepa_ros.robot.joint_states import (
    JointSeries,
    JointStateReader,
    RangeError,
    arm_prefixes,
    closedness_from_fingers,
    finger_position,
    read_series,
)
from vjepa_ros.robot.kinematics import FrankaKinematics, StateError, pose_to_state
from vjepa_ros.robot.state_ranges import states_problem

STORAGES = ("mcap", "sqlite3")
IMAGE_FORMATS = ("raw", "jpeg", "png")
COMPRESSIONS = ("none", "file", "message", "storage")  # rosbag2 zstd modes; storage: MCAP chunks
STATE_SOURCES = ("auto", "pose", "joint_states", "none")  # none: camera only (pretraining)
STAMPS = ("header", "receive")
DAMAGED_HINT = ("the recording is damaged at this message: re-copy it from the recording "
                "machine, or re-record")
STAMPS_HINT = ("if a camera stamps frames on its own device clock while the robot uses the system "
               "clock, time every message by when the recorder received it: --stamps receive "
               "(data.topics.stamps: receive)")
DEFAULT_START_NS = 1_700_000_000 * 1_000_000_000  # stamps of written bags start here
WRITTEN_GRIPPER_TOPIC = "/franka_gripper/joint_states"  # write_bag's gripper topic (franka_ros)


@dataclasses.dataclass
class BagTopics:
    image: str = param(
        "/camera/camera/color/image_raw",
        "Camera topic: sensor_msgs/Image or sensor_msgs/CompressedImage. When it is absent but "
        "'<image>/compressed' exists, that one is read. Several topics separated by spaces: "
        "each bag reads the one it holds (a bag holding two of them is refused).",
    )
    pose: str = param(
        "/franka_robot_state_broadcaster/current_pose",
        "End-effector pose topic (geometry_msgs/PoseStamped or PoseWithCovarianceStamped) in "
        "the robot base frame. Several separated by spaces: each bag reads the one it holds.",
    )
    joint_states: str = param(
        "/joint_states", "Arm joint states (sensor_msgs/JointState), used through forward "
        "kinematics when no pose topic is recorded. Any layout: Panda/FR3 names with any "
        "prefix, any order, extra joints, arm and fingers merged or in separate messages. "
        "Several separated by spaces: each bag reads the one it holds.",
    )
    joint_prefix: str = param(
        "", "Arm joint name prefix (e.g. left_fr3_); empty: found from the names. Needed only "
        "when the bag holds two Franka arms.",
    )
    gripper: str = param(
        "", "Gripper topic (sensor_msgs/JointState with <prefix>finger_joint1/2); closedness = "
        "1 - opening / gripper_max_width. Empty: the JointState topic holding the finger "
        "joints (one named *gripper* first, then joint_states, then any other). Several "
        "separated by spaces: each bag reads the one it holds.",
    )
    no_gripper: bool = param(
        False, "Accept bags without gripper state (closedness 0 throughout): train refuses "
        "them otherwise, eval warns.",
    )
    base_frame: str = param(
        "", "Base frame of the arm: the header.frame_id the pose topic must carry (poses in "
        "another frame are refused, as the planner node refuses them); empty: 'base' or any "
        "'<prefix>link0' (panda_link0, fr3_link0, ...).",
    )
    state_source: str = param(
        "auto", "Where end-effector states come from: auto (pose if recorded, else "
        "joint_states), pose or joint_states; none: the camera alone (pretraining, which uses "
        "no states): states 0 at the frame stamps, so frames are resampled by their own stamps.",
    )
    gripper_max_width: float = param(0.08, "Finger opening [m] that counts as fully open.",
                                     range=(0, 0.5), low_open=True)  # Franka hand: 0.08
    stamps: str = param(
        "header", "Clock of the messages: header (header.stamp, the sensor's time; a topic whose "
        "stamps are all 0 falls back to receive) or receive (when the recorder received them: "
        "one clock for all topics, for a camera that stamps on its own device clock).",
    )

    def check(self) -> BagTopics:
        if self.state_source not in STATE_SOURCES:
            raise BagError(
                f"state_source must be one of {', '.join(STATE_SOURCES)}, got "
                f"'{self.state_source}'"
            )
        if self.stamps not in STAMPS:
            raise BagError(f"stamps must be one of {', '.join(STAMPS)}, got '{self.stamps}'")
        try:  # the declared range: gripper_max_width must lie in (0, 0.5], got inf
            check_values(self)
        except ValueError as exc:
            raise BagError(str(exc)) from None
        return self


# -- reading


def header_stamp_from_cdr(raw) -> int:
    """header.stamp [ns] of a serialized message whose first field is a std_msgs/Header."""
    data = bytes(raw[:12])
    if len(data) < 12 or data[0] != 0 or data[1] not in (0, 1):
        raise ValueError("not a CDR message with a header")
    endian = "<" if data[1] == 1 else ">"
    sec, nanosec = struct.unpack(endian + "iI", data[4:12])
    return sec * 1_000_000_000 + nanosec


SYSTEM_CLOCK_NS = 10**18  # stamps after 2001-09-09: a system (epoch) clock, not a sim clock


def header_stamps_unset(stamps: np.ndarray) -> bool:
    """Whether a topic's header stamps [ns, int64] were left unset (the driver fills none).

    ``stamps`` in the order the recorder received them. Unset: more than half of them 0, any
    negative, a 0 among system-clock (epoch) stamps, or a 0 after a later stamp (a driver that
    fills some stamps and not others). A simulated clock starts at 0, so a leading run of
    stamps of exactly 0 before small ones are its first messages and are kept (switching the
    topic to receive times for them mistimed it).
    """
    zero = stamps == 0
    if not len(stamps) or np.any(stamps < 0) or zero.mean() > 0.5:
        return bool(len(stamps))
    if not zero.any():
        return False
    leading = int(np.argmin(zero))  # the first nonzero stamp; every 0 must come before it
    return bool(zero[leading:].any() or stamps[~zero].min() >= SYSTEM_CLOCK_NS)


def _choose_times(stamps: np.ndarray, received: np.ndarray, use_header: bool) -> np.ndarray:
    if use_header and len(stamps) and not header_stamps_unset(stamps):
        return stamps
    return received


def describe_span(times: np.ndarray) -> str:
    """'t0..t1 s' of int64 ns times, with the UTC date when they read as system-clock times."""
    import datetime

    first, last = int(times.min()), int(times.max())
    text = f"{first / 1e9:.3f}..{last / 1e9:.3f} s"
    if first > SYSTEM_CLOCK_NS:  # after 2001-09-09: a system (epoch) clock
        date = datetime.datetime.fromtimestamp(first / 1e9, datetime.UTC)
        return f"{text} (from {date:%Y-%m-%d %H:%M:%S} UTC)"
    return f"{text} (not a system-clock time: a device clock or time since boot?)"


def _check_overlap(path, config, image_topic, image_times, state_topic, state_times):
    """Refuse frames and states that share no time (the resampler would find no step)."""
    if max(image_times[0], state_times[0]) <= min(image_times[-1], state_times[-1]):
        return
    hint = STAMPS_HINT if config.stamps == "header" else (
        "the recorder received them at different times: are both topics from this recording?")
    raise BagError(
        f"{path}: the camera frames ({image_topic}: {describe_span(image_times)}) and the states "
        f"({state_topic}: {describe_span(state_times)}) do not overlap in time (timed by "
        f"{config.stamps}); {hint}"
    )


@dataclasses.dataclass
class Recording:
    """What a bag holds for evaluation: frame timestamps, end-effector states, provenance."""

    path: Path
    storage: str  # "mcap" | "sqlite3"
    topic_types: dict[str, str]  # every topic in the bag -> its message type
    image_topic: str
    image_type: str
    image_times: np.ndarray  # [F] int64 ns, increasing
    image_ordinals: np.ndarray  # [F] int64: position of frame f in the topic's message order
    state_times: np.ndarray  # [M] int64 ns, strictly increasing
    states: np.ndarray  # [M, 7] float64: xyz, extrinsic xyz Euler, gripper closedness
    state_source: str  # "pose" | "joint_states"
    state_topic: str
    gripper_source: str  # a topic name, or "none (assumed open)"
    notes: list[str] = dataclasses.field(default_factory=list)
    compression: str = "none"  # "none", "zstd file", "zstd message", "zstd chunks", "lz4 chunks"
    salvaged: bool = False  # read by the intact records of a damaged MCAP (open_reader salvage)
    gripper_searched: list[str] = dataclasses.field(default_factory=list)  # JointState topics
    damage: list[str] = dataclasses.field(default_factory=list)  # notes on messages lost
    _frame_shape: tuple | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def duration_s(self) -> float:
        times = np.concatenate([self.image_times, self.state_times])
        return float(times.max() - times.min()) / 1e9 if len(times) else 0.0

    def frame_shape(self) -> tuple[int, ...]:
        """Return the first frame's shape ``(H, W, 3)`` [px] (read once, then remembered)."""
        if self._frame_shape is None:
            self._frame_shape = next(self.iter_frames([0]))[1].shape
        return self._frame_shape

    def frame_size_note(self, model_size, trained_sizes=None) -> str:
        """Return a note on the bag's frame size for this model, else "".

        Smaller than the model's input, or (when known) another size than the frames it was
        post-trained on. ``model_size``: (height, width) [px] the world model resizes frames to
        (a WorldModel's ``img_size``); ``trained_sizes``: its ``trained_frame_sizes`` (None:
        unknown); wording: :func:`vjepa_ros.image_notes.camera_size_note`. Reads the first frame
        only.
        """
        if (model_size is None and not trained_sizes) or not len(self.image_times):
            return ""
        height, width = self.frame_shape()[:2]
        return camera_size_note(width, height, model_size, trained_sizes)

    def goal_size_note(self, goal_shape) -> str:
        """Return a note when a goal image of ``goal_shape`` (H, W, ...) differs in size."""
        return goal_size_note(goal_shape, self.frame_shape()) if len(self.image_times) else ""

    def iter_frames(self, frame_indices) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(frame index, [H, W, 3] uint8 RGB)`` for these frames, in one pass.

        Frames come in the bag's message order (each once, however often it is asked for), so
        a whole recording is decoded with a single read of its image topic.
        """
        frame_indices = np.unique(np.asarray(frame_indices, dtype=np.int64).reshape(-1))
        if len(frame_indices) == 0:
            return
        if frame_indices[0] < 0 or frame_indices[-1] >= len(self.image_times):
            raise BagError(f"frame index out of range 0..{len(self.image_times) - 1}")
        wanted = {int(self.image_ordinals[i]): int(i) for i in frame_indices}
        reader = open_reader(self.path, salvage=True) if self.salvaged else open_reader(self.path)
        try:
            for ordinal, (_, _, raw) in enumerate(
                iter_messages(reader, self.path, [self.image_topic])
            ):
                index = wanted.pop(ordinal, None)
                if index is not None:
                    yield index, self._decode(raw, ordinal)
                if not wanted:
                    return
        finally:
            reader.close()
        raise BagError(f"{self.path}: {self.image_topic} has fewer messages than indexed")

    def load_frames(self, frame_indices) -> np.ndarray:
        """Decode the frames with these indices (into ``image_times``): uint8 [K, H, W, 3]."""
        frame_indices = np.asarray(frame_indices, dtype=np.int64).reshape(-1)
        if len(frame_indices) == 0:
            return np.zeros((0, 1, 1, 3), np.uint8)
        decoded = dict(self.iter_frames(frame_indices))
        shapes = {f.shape for f in decoded.values()}
        if len(shapes) > 1:
            sizes = ", ".join(f"{w}x{h}" for h, w, *_ in sorted(shapes))
            raise BagError(f"{self.path}: frames on {self.image_topic} change size: {sizes} px")
        return np.stack([decoded[int(i)] for i in frame_indices])

    def _decode(self, raw, ordinal: int) -> np.ndarray:
        return decode_frame(self.path, self.image_topic, self.image_type, raw, ordinal,
                            self.topic_types)


def decode_frame(path: Path, topic: str, msgtype: str, raw: bytes, ordinal: int,
                 types: dict[str, str]) -> np.ndarray:
    """Decode message ``ordinal`` of the camera topic into ``[H, W, 3]`` uint8 RGB.

    Raises BagError naming the bag, the topic and the message: for a depth, infrared, float or
    unknown encoding (16UC1 once became an almost black grey frame) with the --image-topic fix
    and the bag's other image topics, for malformed pixels, for a damaged message.
    """
    try:
        return decode_image_message(m.typestore().deserialize_cdr(raw, msgtype))
    except EncodingError as exc:
        others = [t for t, ty in sorted(types.items()) if ty in m.IMAGE_TYPES and t != topic]
        raise BagError(
            f"{path}: {topic} has '{exc.encoding}' frames, which the world model cannot use: a "
            "depth/other stream? give the colour topic with --image-topic (data.topics.image); "
            f"other image topics in the bag: {', '.join(others) or 'none'}") from exc
    except ImageError as exc:
        raise BagError(f"{path}: {topic} message {ordinal}: {exc}") from exc
    except Exception as exc:
        raise BagError(f"{path}: {topic} message {ordinal} is damaged: {exc}") from exc


# A function of (the bag's names of arm joints 1..7, positions [M, 7]) -> ee states without
# gripper [M, 6] (xyz, extrinsic xyz Euler).
JointsToPose = Callable[[list[str], np.ndarray], np.ndarray]


def read_recording(
    path: str | Path, topics: BagTopics | None = None, joints_to_pose: JointsToPose | None = None,
    *, alone: bool = True,
) -> Recording:
    """Index a bag: every state of the state topic, the timestamp of every camera frame.

    ``joints_to_pose`` maps joint states to end-effector poses for bags without a pose topic
    (default: Franka forward kinematics from :mod:`vjepa_ros.robot`). ``alone``: the path was
    handed to a command by itself (eval, camera-check): a data file that is one part of a split
    recording gets a note, after the reader's, that its other parts are unread
    (``split_parts.lone_part_note``); train's discovery, which groups a folder's parts itself,
    passes False.
    """
    from vjepa_ros.recordings.split_parts import lone_part_note

    config = (topics or BagTopics()).check()
    path = Path(path).expanduser()
    part_note = lone_part_note(path) if alone and path.is_file() else ""
    damage: list[str] = []  # the reader's notes on lost messages, filled once it is open
    try:
        return _index_recording(path, config, joints_to_pose, damage, part_note)
    except BagError as exc:
        raise damage_first(exc, damage) from exc


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


def _index_recording(path: Path, config: BagTopics, joints_to_pose, damage: list[str],
                     part_note: str = ""):
    salvaged = False
    while True:  # a second pass reads a damaged MCAP by its intact records
        reader = open_reader(path, salvage=True) if salvaged else open_reader(path)
        damage[:] = reader.damage
        try:
            types = {c.topic: c.msgtype for c in reader.connections}
            notes: list[str] = list(reader.notes)
            notes += [part_note] if part_note and not salvaged else []  # x_1.mcap unread
            image_topic = resolve_image_topic(path, types, config.image, notes)
            source, state_topic = resolve_state_topic(path, types, config, notes)
            gripper_topic = resolve_gripper_topic(path, types, config.gripper)
            joint_topics = [] if state_topic is None else \
                sorted(t for t, ty in types.items() if ty == m.JOINT_STATE)
            wanted = [t for t in dict.fromkeys([image_topic, state_topic, *joint_topics]) if t]
            collected = {topic: ([], [], []) for topic in wanted}  # stamps, received, contents
            for connection, received, raw in iter_messages(reader, path, wanted):
                topic = connection.topic
                stamps, times, msgs = collected[topic]
                times.append(received)
                if topic == image_topic:
                    if not msgs:  # a depth or other stream: refused before any model is loaded
                        decode_frame(path, topic, types[topic], raw, 0, types)
                    try:
                        stamps.append(header_stamp_from_cdr(raw))
                    except ValueError as exc:
                        raise BagError(f"{path}: {topic} message {len(msgs)} is damaged: {exc}") \
                            from exc
                    msgs.append(None)
                    continue
                try:
                    msg = m.typestore().deserialize_cdr(raw, connection.msgtype)
                except Exception as exc:
                    raise BagError(
                        f"{path}: {topic} message {len(msgs)} is damaged: {exc}; {DAMAGED_HINT}"
                    ) from exc
                stamps.append(m.stamp_ns(msg.header))
                msgs.append(_compact(msg, connection.msgtype))  # a few numbers, not the message
            storage, compression = storage_of(reader), reader.compression
            break
        except DamagedBagError:
            if salvaged or reader.storage != "mcap":
                raise
            salvaged = True
        finally:
            reader.close()

    def times_of(topic):
        stamps, received, _ = collected[topic]
        stamps = np.array(stamps, np.int64)
        if config.stamps == "header" and header_stamps_unset(stamps):
            note = f"{topic}: header stamps are 0: timed by when the recorder received them"
            if note not in notes:
                notes.append(note)
        return _choose_times(stamps, np.array(received, np.int64), config.stamps == "header")

    image_times = times_of(image_topic)
    if len(image_times) < 2:
        raise BagError(
            f"{path}: image topic {image_topic} has {len(image_times)} message(s); evaluation and "
            "training need a camera stream of at least two frames: check --image-topic (the "
            "camera topic of this bag) or record longer"
        )
    order = np.argsort(image_times, kind="stable")
    if state_topic is None:  # camera only: each frame its own step, its state 0
        times = np.unique(image_times)
        return Recording(
            path=path, storage=storage, compression=compression, topic_types=types,
            image_topic=image_topic, image_type=types[image_topic],
            image_times=image_times[order], image_ordinals=order, state_times=times,
            states=np.zeros((len(times), 7)), state_source="none", state_topic="",
            gripper_source="none (camera only)", notes=notes, salvaged=salvaged,
            gripper_searched=[], damage=list(damage),
        )
    state_msgs = collected[state_topic][2]
    if not state_msgs:
        raise BagError(f"{path}: state topic {state_topic} has no messages: name the topic "
                       "that carries the arm's state (--pose-topic / --joint-states-topic)")
    joints = JointStateReader(config.joint_prefix)
    read: dict[str, JointSeries] = {}  # JointState topics already split into arm and fingers
    if source == "pose":
        state_times = times_of(state_topic)
        _check_pose_frames(path, state_topic, [frame for frame, _ in state_msgs], config, notes)
        poses = np.stack([pose for _, pose in state_msgs])  # [M, 7]: position, quaternion xyzw
        try:
            ee = pose_to_state(poses[:, :3], poses[:, 3:], np.zeros(len(poses)))[:, :6]
        except ValueError as exc:
            raise BagError(f"{path}: {state_topic}: {exc}") from exc
    else:
        series = read[state_topic] = _joint_series(path, state_topic, collected, times_of, joints)
        state_times = series.arm_times
        ee = _joints_to_ee(path, state_topic, series, state_msgs, joints_to_pose,
                           config.joint_prefix, types)
        if series.foreign:
            notes.append(f"{series.foreign} message(s) on {state_topic} about other joints "
                         "ignored")
    gripper, gripper_source = _gripper(
        path, config, joint_topics, collected, times_of, joints, state_times, state_topic, notes,
        read, gripper_topic, types,
    )
    states = np.concatenate([ee, gripper[:, None]], axis=1)
    if not np.isfinite(states).all():
        raise BagError(f"{path}: {state_topic} holds NaN or inf states")
    state_order = np.argsort(state_times, kind="stable")
    state_times, states = state_times[state_order], states[state_order]
    keep = np.append(np.diff(state_times) > 0, True)  # repeated stamps: keep the last
    _check_overlap(path, config, image_topic, image_times[order], state_topic, state_times)
    return Recording(
        path=path, storage=storage, compression=compression, topic_types=types,
        image_topic=image_topic,
        image_type=types[image_topic], image_times=image_times[order], image_ordinals=order,
        state_times=state_times[keep], states=states[keep], state_source=source,
        state_topic=state_topic, gripper_source=gripper_source, notes=notes, salvaged=salvaged,
        gripper_searched=joint_topics, damage=list(damage),
    )


def _compact(msg, msgtype: str):
    """Keep what evaluation needs of a state message: (frame_id, pose [7]) or (names, values)."""
    if msgtype in m.POSE_TYPES:
        position, quat = m.pose_from_message(msg, msgtype)
        return str(msg.header.frame_id), np.concatenate([position, quat])
    return tuple(str(n) for n in msg.name), np.asarray(msg.position, dtype=np.float64)


def _check_pose_frames(path, topic, frames, config: BagTopics, notes: list[str]) -> None:
    """Refuse poses stamped in a frame other than the arm's base (the planner node's rule)."""
    for frame in dict.fromkeys(frames):
        matches = frame_matches(frame, config.base_frame)
        if matches is None:
            notes.append(f"{topic} has an empty header.frame_id: taken as the arm's base frame")
        elif not matches:
            expected = config.base_frame or "base or <prefix>link0"
            raise BagError(
                f"{path}: {topic} is in frame '{frame}', not the arm's base frame ({expected}); "
                "no transform is looked up: read the states from the joint states instead "
                "(--state-source joint_states), or name the base frame with --base-frame "
                f"{frame} (data.topics.base_frame) if it is the arm's base"
            )


def _joint_series(path, topic, collected, times_of, joints: JointStateReader) -> JointSeries:
    """Split the JointState messages of ``topic`` into arm and finger samples (any layout)."""
    try:
        return read_series(times_of(topic), collected[topic][2], joints)
    except StateError as exc:
        raise BagError(f"{path}: {topic} {exc}") from exc


def _joints_to_ee(path, topic, series: JointSeries, rows, joints_to_pose,
                  joint_prefix: str = "", types=None) -> np.ndarray:
    if len(series.arm) == 0:
        names = sorted({name for names, _ in rows for name in names})
        found = arm_prefixes(names)
        fix = (f"--joint-prefix {joint_prefix} names none of them: give --joint-prefix "
               f"{found[0]} (or leave it out: the prefix is found from the names)"
               if joint_prefix and found else arm_topic_fix(types or {}, topic))
        raise BagError(
            f"{path}: {topic}: no message holds the 7 arm joints (<prefix>panda_joint1..7 or "
            f"<prefix>fr3_joint1..7; names there: {', '.join(names[:20]) or 'none'}); {fix}"
        )
    try:
        ee = (joints_to_pose or default_joints_to_pose())(list(series.arm_names), series.arm)
    except ValueError as exc:
        raise BagError(f"{path}: {topic}: {exc}") from exc
    return np.asarray(ee, dtype=np.float64)


def default_joints_to_pose() -> JointsToPose:
    """Franka forward kinematics (``vjepa_ros.robot.kinematics``, Franka Hand TCP) as a function.

    Panda and FR3 share the kinematics, so the joint names are not needed.
    """
    kinematics = FrankaKinematics()

    def joints_to_pose(names: list[str], positions: np.ndarray) -> np.ndarray:
        return kinematics.ee_pose(positions)

    return joints_to_pose


def _gripper(path, config, joint_topics, collected, times_of, joints, state_times, state_topic,
             notes, read, named: str = "", types: dict[str, str] | None = None):
    """Closedness [M] at ``state_times`` and the topic it came from (or "none (assumed open)").

    ``named``: the candidate of ``config.gripper`` this bag holds (``resolve_gripper_topic``;
    '': none named). It must hold finger joints (else BagError naming the candidates given, the
    bag's JointState topics and the one holding fingers to give instead); otherwise the
    JointState topics holding them are ranked: names with 'gripper', then the state topic, then
    the rest (alphabetical).
    """
    found: dict[str, JointSeries] = {}
    for topic in joint_topics:
        try:
            series = read.get(topic) or read_series(times_of(topic), collected[topic][2],
                                                    JointStateReader(joints.prefix or ""))
        except StateError as exc:
            if topic == named or (not named and isinstance(exc, RangeError)):
                raise BagError(f"{path}: gripper topic {topic} {exc}") from exc
            if not named:  # a named topic: the others are read for the advice only
                notes.append(f"{topic} not used for the gripper: {exc}")
            continue
        if len(series.fingers):
            found[topic] = series
    ranked = sorted(found, key=lambda t: ("gripper" not in t, t != state_topic, t))
    if named and named not in found:
        given = candidates(config.gripper)
        what = (f"gripper topic {named}: it holds no finger joints (<prefix>finger_joint1/2)"
                if named in collected else f"gripper topic {named}: it is not in the bag"
                if len(given) == 1 else f"gripper topics {' '.join(given)}: none is in the bag")
        fix = gripper_topic_fix(config.gripper, ranked, types or {},
                                named if named in collected else "")
        raise BagError(f"{path}: {what}; JointState topics there: "
                       f"{', '.join(joint_topics) or 'none'}. {fix[0].upper()}{fix[1:]}")
    if named:
        ranked = [named]
    if not ranked:
        if not config.no_gripper:
            notes.append(
                "warning: no gripper state in the bag (looked for finger joints on "
                f"{', '.join(joint_topics) or 'no JointState topic'}): gripper closedness 0 "
                "(open) throughout; name the topic with --gripper-topic"
            )
        return np.zeros(len(state_times)), "none (assumed open)"
    if len(ranked) > 1:
        notes.append(f"gripper from {ranked[0]}; finger joints also on {', '.join(ranked[1:])} "
                     "(choose with --gripper-topic)")
    series = found[ranked[0]]
    order = np.argsort(series.finger_times, kind="stable")
    closed = closedness_from_fingers(series.fingers[order], config.gripper_max_width)
    return np.interp(state_times, series.finger_times[order], closed), ranked[0]


# -- writing


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
) -> Path:
    """Write an episode as a rosbag2 bag with the topics a Franka lab records.

    frames [T, H, W, 3] uint8 RGB and states [T, 7] at times ``times_s`` [T] (seconds from the
    start; default every 1/rate_hz). Writes the camera (``raw`` Image, or ``jpeg``/``png``
    CompressedImage on ``<image>/compressed``), the end-effector PoseStamped, the gripper's
    finger JointState, and ``joint_states`` when ``joint_positions`` [T, n] are given. Header
    stamps equal the record times. ``compression`` is a rosbag2 zstd mode: ``file`` (the data
    file becomes ``.mcap.zstd`` / ``.db3.zstd``), ``message``, or ``storage`` (MCAP's own chunk
    compression; MCAP only). The bag is written whole or not at all
    (``atomic_files.creating_folder``): one failed or stopped mid-write leaves nothing at
    ``path``, never a shorter bag.
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
    if joint_positions is not None:
        joint_positions = np.asarray(joint_positions, dtype=np.float64)
        if joint_names is None or joint_positions.shape != (len(frames), len(joint_names)):
            raise BagError("joint_positions must be [T, len(joint_names)] with joint_names given")
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
            with writer:
                image = writer.add_connection(image_topic, image_type, typestore=store)
                pose = writer.add_connection(config.pose, m.POSE_STAMPED, typestore=store)
                gripper = writer.add_connection(config.gripper or WRITTEN_GRIPPER_TOPIC,
                                                m.JOINT_STATE, typestore=store)
                joints = None
                if joint_positions is not None:
                    joints = writer.add_connection(config.joint_states, m.JOINT_STATE,
                                                   typestore=store)
                for t, (frame, state, time_ns) in enumerate(zip(frames, states, times_ns,
                                                                strict=True)):
                    if image_format == "raw":
                        msg = m.image_message(frame, time_ns, camera_frame)
                    else:
                        msg = m.compressed_image_message(frame, time_ns, camera_frame,
                                                         image_format)
                    fingers = [finger_position(state[6], config.gripper_max_width)] * 2
                    out = [
                        (image, msg, image_type),
                        (pose, m.pose_message(state, time_ns, base_frame), m.POSE_STAMPED),
                        (gripper, m.joint_state_message(finger_names, fingers, time_ns),
                         m.JOINT_STATE),
                    ]
                    if joints is not None:
                        out.append((joints, m.joint_state_message(
                            joint_names, joint_positions[t], time_ns), m.JOINT_STATE))
                    for connection, message, msgtype in out:
                        writer.write(connection, int(time_ns),
                                     store.serialize_cdr(message, msgtype))
    except ImageError as exc:
        raise BagError(f"cannot write {path}: {exc}") from exc
    return path


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
