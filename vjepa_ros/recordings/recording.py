"""What a bag holds for evaluation (:class:`Recording`) and decoding its camera frames.

A :class:`Recording` holds every state and the timestamp of every frame;
:meth:`Recording.load_frames` decodes only the frames asked for, in one pass over the image
topic, so a long 30 fps recording never sits decoded in memory (:func:`decode_frame`: one
message to ``[H, W, 3]`` uint8 RGB, or a :class:`BagError` naming the bag, topic and message).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from vjepa_ros.channel_notes import DarkFrames
from vjepa_ros.image_limits import image_size_problem
from vjepa_ros.image_notes import (
    camera_size_note,
    colour_kind,
    goal_size_note,
    grey_frames_note,
    grey_goal_note,
)
from vjepa_ros.images import EncodingError, ImageError, decode_image_message
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import (
    BagError,
    damaged_message,
    iter_messages,
    message_words,
    open_reader,
)
from vjepa_ros.recordings.bag_reader import DamagedMessageError
from vjepa_ros.recordings.state_jumps import jump_intervals
from vjepa_ros.recordings.topic_choice import camera_topics
from vjepa_ros.recordings.topic_types import topic_types
from vjepa_ros.recordings.undecodable_frames import FrameLost, none_decode
from vjepa_ros.robot.franka_hand import FRANKA_HAND_MAX_WIDTH

COLOUR_FRAMES = 5  # frames spread over a bag that tell whether it is grey (Recording.colour_notes)


@dataclasses.dataclass
class Recording:
    """What a bag holds for evaluation: frame timestamps, end-effector states, provenance."""

    path: Path
    storage: str  # "mcap" | "sqlite3"
    topic_types: dict[str, str]  # every topic in the bag -> its message type
    image_topic: str
    image_type: str  # the camera topic's (most messages); each frame decoded by its own type
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
    # with no gripper state found: what to give for it (bag_gripper.gripper_closedness), else ""
    gripper_fix: str = ""
    # the frame the states are in: the poses' header.frame_id ('/' stripped), or for joint
    # states the arm's <prefix>link0 (forward kinematics); "": not known (empty frame_id, no
    # states)
    state_frame: str = ""
    damage: list[str] = dataclasses.field(default_factory=list)  # notes on messages lost
    # the states are of BagTopics.tcp_xyz / tcp_rpy: the joints' forward kinematics there, or a
    # pose topic that agrees with it (recordings.pose_point); False: a pose topic's own point
    at_tcp: bool = False
    # [S, 2] int64 ns (last message before, first after) of each silence of a steady gripper
    # topic while the hand moved (gripper_silences): the arm states inside are left out and
    # ``resample(unknown_ns=...)`` drops the steps there (not as jumps: no new demonstration)
    gripper_unknown_ns: np.ndarray = dataclasses.field(
        default_factory=lambda: np.zeros((0, 2), np.int64))
    # [m] the hand's full opening the closedness was read at: BagTopics.gripper_max_width, or
    # the bag's recorded one (read_recording's recorded_opening, recorded_hand.opening_read)
    gripper_max_width: float = FRANKA_HAND_MAX_WIDTH
    # temp_copies.TempCopies: a merged .db3 or unpacked .zstd, read again for the frames
    copies: object = dataclasses.field(default=None, repr=False, compare=False)
    _frame_shape: tuple | None = dataclasses.field(default=None, repr=False, compare=False)

    @property
    def state_jumps_ns(self) -> np.ndarray:
        """[J, 2] int64 ns: (before, after) state times of each jump faster than an arm moves.

        Of the states the steps are made of (``state_jumps.jump_intervals``, the jumps the
        reader's note counts); ``resample(jumps_ns=...)`` drops the steps across them.
        """
        return jump_intervals(self.state_times, self.states[:, :6])

    @property
    def duration_s(self) -> float:
        times = np.concatenate([self.image_times, self.state_times])
        return float(times.max() - times.min()) / 1e9 if len(times) else 0.0

    def frame_shape(self) -> tuple[int, ...]:
        """Return the first frame's shape ``(H, W, 3)`` [px] (read once, then remembered).

        The first frame that decodes (``iter_frames``' ``lost``); BagError when none does.
        """
        if self._frame_shape is None:
            lost: dict = {}
            indices = np.arange(len(self.image_times)) if len(self.image_times) else [0]
            frames = self.iter_frames(indices, lost=lost)
            try:
                first = next(frames, None)
            finally:
                frames.close()
            if first is None:
                raise BagError(none_decode(self.path, self.image_topic, lost))
            self._frame_shape = first[1].shape
        return self._frame_shape

    def frame_size_note(self, model_size, trained_sizes=None, **wording) -> str:
        """Return a note on the bag's frame size for this model, else "".

        Smaller than the model's input, or (when known) another size than the frames it was
        post-trained on. ``model_size``: (height, width) [px] the world model resizes frames to
        (a WorldModel's ``img_size``); ``trained_sizes``: its ``trained_frame_sizes`` (None:
        unknown); wording: :func:`vjepa_ros.image_notes.camera_size_note`, which ``wording``
        goes to (its ``model``, ``risk``, ``advice``). Reads the first frame only.
        """
        if (model_size is None and not trained_sizes) or not len(self.image_times):
            return ""
        height, width = self.frame_shape()[:2]
        return camera_size_note(width, height, model_size, trained_sizes, **wording)

    def check_plannable_size(self) -> None:
        """Raise BagError when the planner cannot plan on this bag's frames for their size.

        The planner node's limits (``image_limits.image_size_problem``: under 32 px a side, a
        long side over 4 times the short one, over 8192 px), so that eval and the camera check
        never score plans on frames the node would refuse (breaker38). Reads the first frame.
        Training reads such frames (upsampled, with a note): only planning refuses them.
        """
        if not len(self.image_times):
            return
        height, width = self.frame_shape()[:2]
        problem = image_size_problem(width, height, "the planner node refuses such frames: "
                                     "record the camera at its own resolution (e.g. 640x480)")
        if problem:
            raise BagError(f"{self.path}: the frames on {self.image_topic} {problem}")

    def goal_size_note(self, goal_shape) -> str:
        """Return a note when a goal image of ``goal_shape`` (H, W, ...) differs in size."""
        return goal_size_note(goal_shape, self.frame_shape()) if len(self.image_times) else ""

    def colour_notes(self, goal=None) -> list[str]:
        """Return notes on colour: grey or near-black frames, a grey ``goal`` for colour ones.

        ``goal``: the ``--goal`` image ``[H, W, 3]`` (None: a frame of the bag, no goal note).
        The frames are judged by up to :data:`COLOUR_FRAMES` of them spread over the bag, not
        by the first alone (breaker42h: a colour camera's all-black start-up frame read as a
        grey bag): colour when one is (reading stops there, at the first frame of a colour
        bag), grey when those that tell (``image_notes.colour_kind``) are grey, no note when
        none tells (black or saturated all through). Those frames all near-black (no value above
        16 of 255: 12-bit data in 16-bit words, ``channel_notes.DarkFrames``): that note too,
        the frames used as read. Wording:
        :func:`vjepa_ros.image_notes.grey_goal_note` and ``grey_frames_note``.
        """
        count = len(self.image_times)
        if not count:
            return []
        spread = np.unique(np.linspace(0, count - 1, min(count, COLOUR_FRAMES)).round())
        frames_kind, frames = "", self.iter_frames(spread.astype(np.int64), lost={})
        dark = DarkFrames()  # near-black all through: 12-bit data in 16-bit words?
        try:
            for _, frame in frames:
                kind = colour_kind(frame)
                frames_kind = kind or frames_kind
                dark.add(frame)
                if kind == "colour" and dark.bright:
                    break
        finally:
            frames.close()
        advice = (f"record with the camera's colour stream ({self.image_topic} is grey) or give "
                  "a bag of colour frames")
        return [note for note in (
            grey_frames_note("the bag's frames", advice) if frames_kind == "grey" else "",
            dark.note("the bag's frames"),
            "" if goal is None or frames_kind != "colour" else grey_goal_note(
                colour_kind(goal) == "grey", False,
                advice="capture the goal with the same colour camera "
                "(or leave --goal out: a frame of the bag, --goal-offset)")) if note]

    def iter_frames(self, frame_indices, one_size: bool = True, lost: dict | None = None
                    ) -> Iterator[tuple[int, np.ndarray]]:
        """Yield ``(frame index, [H, W, 3] uint8 RGB)`` for these frames, in one pass.

        Frames come in the bag's message order (each once, however often it is asked for), so
        a whole recording is decoded with a single read of its image topic. ``one_size``: raise
        BagError when a frame has another size than the first one decoded (eval, camera-check),
        naming both messages, their times and ``--start`` / ``--end``; False: frames of each
        size as they are (train, which splits its segments there: ``train.frame_sizes``).
        ``lost``: a dict that takes {frame index: ``undecodable_frames.FrameLost``} of each
        frame that does not decode (a JPEG cut short, raw data short of its size, a damaged
        message), not yielded; None: that BagError raised (:func:`decode_frame`). A frame of an
        encoding the model cannot use (depth) raises either way.
        """
        frame_indices = np.unique(np.asarray(frame_indices, dtype=np.int64).reshape(-1))
        if len(frame_indices) == 0:
            return
        if frame_indices[0] < 0 or frame_indices[-1] >= len(self.image_times):
            raise BagError(f"frame index out of range 0..{len(self.image_times) - 1}")
        wanted = {int(self.image_ordinals[i]): int(i) for i in frame_indices}
        reader = open_reader(self.path, self.salvaged, self.copies)
        first = None  # (message, shape, index) of the first frame decoded: the others' size
        try:
            read_types = topic_types(reader.connections)[1]  # the index's: Image(s), compressed
            for ordinal, (connection, _, raw) in enumerate(
                iter_messages(reader, self.path, [self.image_topic], read_types)
            ):
                index = wanted.pop(ordinal, None)
                frame = None if index is None else self._decoded(connection.msgtype, raw,
                                                                 ordinal, index, lost)
                if frame is not None:
                    first = first or (ordinal, frame.shape, index)
                    if one_size and frame.shape != first[1]:
                        raise BagError(self._size_change(first, ordinal, index, frame.shape))
                    yield index, frame
                if not wanted:
                    return
        finally:
            reader.close()
        raise BagError(f"{self.path}: {self.image_topic} has fewer messages than indexed")

    def _decoded(self, msgtype: str, raw: bytes, ordinal: int, index: int,
                 lost: dict | None) -> np.ndarray | None:
        """Return frame ``index`` (message ``ordinal``) decoded, or None: put in ``lost``."""
        try:
            return decode_frame(self.path, self.image_topic, msgtype, raw, ordinal,
                                self.topic_types)
        except BagError as exc:
            cause = lost_cause(exc)
            if lost is None or cause is None:
                raise
            lost[index] = FrameLost(ordinal, int(self.image_times[index]), cause)
            return None

    def frame_encoding(self) -> str:
        """Return the first camera message's ``encoding`` (Image) or ``format`` (compressed).

        "" for a bag without frames or none of whose camera messages deserializes. What
        ``vjepa-ros inspect`` says frames are read as (``images.decode_image_message`` decodes
        each message by its own field). A message that does not deserialize (a partial write)
        is passed over, as :meth:`iter_frames` reads it as a lost frame (breaker62d #5).
        """
        if not len(self.image_times):
            return ""
        reader = open_reader(self.path, self.salvaged, self.copies)
        try:
            read_types = topic_types(reader.connections)[1]
            for connection, _, raw in iter_messages(reader, self.path, [self.image_topic],
                                                    read_types):
                try:
                    msg = m.typestore().deserialize_cdr(raw, connection.msgtype)
                except Exception:  # noqa: BLE001 - any deserializer error: a damaged message
                    continue
                return str(getattr(msg, "encoding", None) or getattr(msg, "format", ""))
        finally:
            reader.close()
        return ""

    def load_frames(self, frame_indices) -> np.ndarray:
        """Decode the frames with these indices (into ``image_times``): uint8 [K, H, W, 3]."""
        frame_indices = np.asarray(frame_indices, dtype=np.int64).reshape(-1)
        if len(frame_indices) == 0:
            return np.zeros((0, 1, 1, 3), np.uint8)
        decoded = dict(self.iter_frames(frame_indices))
        return np.stack([decoded[int(i)] for i in frame_indices])

    def _size_change(self, first, ordinal: int, index: int, shape) -> str:
        """Say that frame ``index`` (message ``ordinal``) has another size than ``first``'s.

        ``first``: (message, shape, frame index) of the first frame decoded.
        """
        start = min(self.image_times.min(), self.state_times.min(initial=self.image_times.min()))

        def seen(message, frame_shape, frame) -> str:
            at_s = (int(self.image_times[frame]) - int(start)) / 1e9
            return (f"{frame_shape[1]}x{frame_shape[0]} px at {message_words(message)} "
                    f"({at_s:.2f} s)")

        return (f"{self.path}: frames on {self.image_topic} change size: {seen(*first)}, "
                f"{seen(ordinal, shape, index)}, seconds after the bag's start (the camera's "
                "resolution changed mid-recording?): the world model reads one frame size per "
                "recording; use a part of one size (eval: --start / --end) or re-record at one "
                "resolution")


def lost_cause(exc: BagError) -> str | None:
    """Return why :func:`decode_frame`'s ``exc`` lost one frame (its words), None: not that.

    A frame lost: its pixels do not decode (ImageError: a JPEG cut short, raw data short of its
    size) or its message does not deserialize. None: an encoding the model cannot use (the
    topic is the wrong one) or another error.
    """
    if isinstance(exc, DamagedMessageError):
        return exc.cause
    cause = exc.__cause__
    if isinstance(cause, ImageError) and not isinstance(cause, EncodingError):
        return str(cause)
    return None


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
        others = [t for t in camera_topics(types) if t != topic]
        raise BagError(
            f"{path}: {topic} has '{exc.encoding}' frames, which the world model cannot use: a "
            "depth/other stream? give the colour topic with --image-topic (data.topics.image); "
            f"other image topics in the bag: {', '.join(others) or 'none'}") from exc
    except ImageError as exc:
        raise BagError(f"{path}: {topic} {message_words(ordinal)}: {exc}") from exc
    except Exception as exc:
        raise damaged_message(path, topic, ordinal, exc) from exc
