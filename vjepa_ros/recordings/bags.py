"""Reading rosbag2 recordings without a ROS install: :func:`read_recording` indexes a bag.

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

Writing bags: :mod:`vjepa_ros.recordings.bag_writing`; the topic settings:
:mod:`~vjepa_ros.recordings.bag_topics`; timing: :mod:`~vjepa_ros.recordings.bag_stamps`; states
from the messages: :mod:`~vjepa_ros.recordings.bag_arm_states`, the gripper's
:mod:`~vjepa_ros.recordings.bag_gripper`, the joint prefix to read
:mod:`~vjepa_ros.recordings.bag_joint_prefixes`; each topic's times:
:mod:`~vjepa_ros.recordings.topic_times`; the words of a refusal:
:mod:`~vjepa_ros.recordings.bag_refusals`; the result: :mod:`~vjepa_ros.recordings.recording`.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from itertools import compress
from pathlib import Path

import numpy as np

from vjepa_ros.name_lists import first_names
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_arm_states import (
    JointsToPose,
    check_pose_frames,
    compact_message,
    default_joints_to_pose,
    joint_series,
    joints_to_ee,
    nonfinite_note,
    unread_note,
)
from vjepa_ros.recordings.bag_files import (  # noqa: F401 - DAMAGED_HINT: here too
    DAMAGED_HINT,
    BagError,
    DamagedBagError,
    damaged_message,
    iter_messages,
    message_words,
    open_reader,
    shortfall_note,
    storage_of,
)
from vjepa_ros.recordings.bag_folders import metadata_file_folder
from vjepa_ros.recordings.bag_gripper import gripper_closedness
from vjepa_ros.recordings.bag_joint_prefixes import (
    arms_seen,
    arms_to_advise,
    resolve_joint_prefix,
    topics_of_arm,
)
from vjepa_ros.recordings.bag_refusals import (  # noqa: F401 (damage_first: here too)
    check_one_camera,
    damage_first,
    publishers_note,
    short_topic_fix,
    summary_counted,
)
from vjepa_ros.recordings.bag_stamps import (
    check_overlap,
    header_from_cdr,
    uncovered_note,
)
from vjepa_ros.recordings.bag_topics import BagTopics
from vjepa_ros.recordings.clock_steps import step_cut
from vjepa_ros.recordings.pose_point import pose_point
from vjepa_ros.recordings.recording import Recording, decode_frame, lost_cause
from vjepa_ros.recordings.state_jumps import check_state_jumps
from vjepa_ros.recordings.state_source_fixes import nan_pose_fix, other_source_fix
from vjepa_ros.recordings.stray_states import check_sources, stray_note
from vjepa_ros.recordings.temp_copies import TempCopies
from vjepa_ros.recordings.topic_choice import (
    resolve_gripper_topic,
    resolve_image_topic,
    resolve_state_topic,
)
from vjepa_ros.recordings.topic_clocks import check_clock
from vjepa_ros.recordings.topic_times import TopicTimes
from vjepa_ros.recordings.topic_types import one_stream, topic_types
from vjepa_ros.robot.joint_states import JointSeries, JointStateReader
from vjepa_ros.robot.kinematics import pose_to_state
from vjepa_ros.robot.state_ranges import arm_unread


def read_recording(
    path: str | Path, topics: BagTopics | None = None, joints_to_pose: JointsToPose | None = None,
    *, alone: bool = True, copies: TempCopies | None = None, recorded_opening: bool = False,
) -> Recording:
    """Index a bag: every state of the state topic, the timestamp of every camera frame.

    ``joints_to_pose`` maps joint states to end-effector poses for bags without a pose topic
    (default: Franka forward kinematics from :mod:`vjepa_ros.robot` at ``topics.tcp_xyz`` /
    ``tcp_rpy``, ``bag_arm_states.default_joints_to_pose``). ``alone``: the path was
    handed to a command by itself (eval, camera-check): a data file that is one part of a split
    recording gets a note, after the reader's, that its other parts are unread
    (``split_parts.lone_part_note``); train's discovery, which groups a folder's parts itself,
    passes False. ``copies``: the ``TempCopies`` an earlier opening of the same bag used (a
    command's early check), so that a ``.db3`` merged with its log is copied once; the
    recording keeps and closes it (None: its own). ``recorded_opening``: ``topics``'
    ``gripper_max_width`` was not given (eval's and camera-check's ``--gripper-max-width`` left
    out): the fingers are read at the opening the bag's hand record gives when the reading
    follows that record's topic, else at ``gripper_max_width`` (``recorded_hand.opening_read``);
    ``Recording.gripper_max_width`` says which.
    """
    from vjepa_ros.recordings.split_parts import lone_part_note

    config = (topics or BagTopics()).check()
    # BAG/metadata.yaml: the folder read is the recording's path (report, lines), with the note
    path, folder_note = metadata_file_folder(path)
    part_note = lone_part_note(path) if alone and path.is_file() else folder_note
    damage: list[str] = []  # the reader's notes on lost messages, filled once it is open
    # a merged .db3, an unpacked .zstd: made once, kept with the result
    copies = TempCopies() if copies is None else copies
    try:
        return _index_recording(path, config, joints_to_pose, damage, part_note, copies,
                                recorded_opening)
    except BagError as exc:
        copies.close()
        raise damage_first(exc, damage) from exc
    except BaseException:
        copies.close()
        raise


def _index_recording(path: Path, config: BagTopics, joints_to_pose, damage: list[str],
                     part_note: str, copies: TempCopies, recorded_opening: bool):
    salvaged = False
    while True:  # a second pass reads a damaged MCAP by its intact records
        reader = open_reader(path, salvaged, copies)
        damage[:] = reader.damage
        try:
            # a topic's type (its camera images: Image and CompressedImage both read)
            types, read_types, mixed = topic_types(reader.connections, bag=path)
            notes: list[str] = list(reader.notes)
            notes += [part_note] if part_note and not salvaged else []  # x_1.mcap unread
            counts = Counter()  # topic -> its messages (a listed topic may have none)
            for connection in reader.connections:
                counts[connection.topic] += connection.msgcount
            image_topic = resolve_image_topic(path, types, config.image, notes, counts)
            said = publishers_note(image_topic, reader.connections)  # two camera drivers?
            notes += [said] if said else []
            source, state_topic = resolve_state_topic(path, types, config, notes)
            gripper_topic = resolve_gripper_topic(path, types, config.gripper)
            joint_topics = [] if state_topic is None else \
                sorted(t for t, ty in types.items() if ty == m.JOINT_STATE)
            wanted = [t for t in dict.fromkeys([image_topic, state_topic, *joint_topics]) if t]
            collected = {topic: ([], [], []) for topic in wanted}  # stamps, received, contents
            positions, empty = [], []  # the camera's messages indexed, skipped (0 pixels)
            camera_ids, camera_kinds = [], []  # each frame's header.frame_id and type
            notes += [mixed[topic] for topic in wanted if topic in mixed]
            short: dict[tuple[str, str], tuple[int, int]] = {}  # summary counts above reads
            decoded = False  # a frame decoded: its encoding is one the model reads
            for connection, received, raw in iter_messages(reader, path, wanted, read_types,
                                                           short):
                topic = connection.topic
                stamps, times, msgs = collected[topic]
                if topic == image_topic:
                    ordinal = len(positions) + len(empty)
                    if m.frame_is_empty(raw, connection.msgtype):
                        empty.append(ordinal)
                        continue
                    if not decoded:  # a depth or other stream: refused before a model loads
                        decoded = _decodes(path, topic, connection.msgtype, raw, ordinal, types)
                    positions.append(ordinal)
                times.append(received)
                if topic == image_topic:
                    try:
                        stamp, frame_id = header_from_cdr(raw)
                        stamps.append(stamp)
                        camera_ids.append(frame_id)
                        camera_kinds.append(connection.msgtype)
                    except ValueError as exc:
                        raise damaged_message(path, topic, ordinal, exc) from exc
                    msgs.append(None)
                    continue
                try:
                    msg = m.typestore().deserialize_cdr(raw, connection.msgtype)
                except Exception as exc:
                    raise damaged_message(path, topic, len(msgs), exc) from exc
                stamps.append(m.stamp_ns(msg.header))
                msgs.append(compact_message(msg, connection.msgtype))  # a few numbers, no message
            keep, note = one_stream(image_topic, types[image_topic], camera_kinds,
                                    collected[image_topic][1], bag=path)
            notes += [note] if note else []
            if keep is not None:  # two publishers of two types at once: the topic's type only
                collected[image_topic] = tuple(list(compress(items, keep))
                                               for items in collected[image_topic])
                positions, camera_ids = (list(compress(items, keep))
                                         for items in (positions, camera_ids))
            storage, compression = storage_of(reader), reader.compression
            notes += [shortfall_note(path, *key, *counts) for key, counts in short.items()]
            break
        except DamagedBagError:
            if salvaged or reader.storage != "mcap":
                raise
            salvaged = True
        finally:
            reader.close()

    times_of = TopicTimes(path, config, collected, notes, image_topic, positions)
    clock_of, receive_timed = times_of.clock_of, times_of.receive_timed

    check_one_camera(path, image_topic, dict(Counter(camera_ids)))
    image_times = times_of(image_topic)
    if empty:
        notes.append(f"{image_topic}: {len(empty)} empty frame(s) (0 pixels: a camera driver "
                     f"starting?) skipped: message(s) {first_names(empty, 10)}")
    if len(image_times) < 2:
        skipped = f" with pixels ({len(empty)} empty)" if empty else ""
        counted = summary_counted(short, image_topic)
        otherwise = "check --image-topic (the camera topic of this bag) or record longer"
        if part_note and path.is_file():  # a split part given alone: the folder, not longer
            from vjepa_ros.recordings.split_parts import lone_part_fix

            otherwise = f"it is {fix}" if (fix := lone_part_fix(path)) else otherwise
        raise BagError(
            f"{path}: image topic {image_topic} has {len(image_times)} message(s){skipped}"
            f"{counted}; evaluation and training need a camera stream of at least two frames: "
            + short_topic_fix(counted, otherwise))
    order = np.argsort(image_times, kind="stable")
    ordinals = np.asarray(positions, np.int64)[order]  # each frame's place among the messages
    if state_topic is None:  # camera only: each frame its own step, its state 0
        times = np.unique(image_times)
        return Recording(
            path=path, storage=storage, compression=compression, topic_types=types,
            image_topic=image_topic, image_type=types[image_topic],
            image_times=image_times[order], image_ordinals=ordinals, state_times=times,
            states=np.zeros((len(times), 7)), state_source="none", state_topic="",
            gripper_source="none (camera only)", notes=notes, salvaged=salvaged,
            gripper_max_width=config.gripper_max_width,
            gripper_searched=[], damage=list(damage), copies=copies,
        )
    state_msgs = collected[state_topic][2]
    if not state_msgs:
        counted = summary_counted(short, state_topic)
        arms, prefix_fix = arms_to_advise(config.joint_prefix, joint_topics, collected)
        other = other_source_fix(source, arms, config, types, prefix_fix)  # e.g. joint states
        raise BagError(f"{path}: state topic {state_topic} has no messages{counted}: "
                       + short_topic_fix(counted, other or "name the topic that carries the "
                                         "arm's state (--pose-topic / --joint-states-topic)"))
    prefix = resolve_joint_prefix(path, config.joint_prefix, joint_topics, collected, notes)
    config = dataclasses.replace(config, joint_prefix=prefix)  # right_ -> right_fr3_, noted
    joints = JointStateReader(config.joint_prefix)

    read: dict[str, JointSeries] = {}  # JointState topics already split into arm and fingers
    at_tcp = False  # the states are of tcp_xyz / tcp_rpy: joints' FK, or poses that agree
    arm_topics, prefix_fix = arms_to_advise(config.joint_prefix, joint_topics, collected)
    other = other_source_fix(source, arm_topics, config, types, prefix_fix)  # "": none other
    if source == "pose":
        state_times = times_of(state_topic)
        check_pose_frames(path, state_topic, [frame for frame, _ in state_msgs], config, notes,
                          other, arms_seen(config.joint_prefix, joint_topics, collected))
        state_frame = next((frame.lstrip("/") for frame, _ in state_msgs if frame), "")
        poses = np.stack([pose for _, pose in state_msgs])  # [M, 7]: position, quaternion xyzw
        bad = np.flatnonzero(~np.isfinite(poses).all(axis=1))
        if len(bad):
            raise BagError(
                f"{path}: {state_topic} {message_words(int(bad[0]))} holds a NaN or inf pose "
                f"({len(bad)} such message(s) in all; the pose publisher lost its state?): "
                f"{nan_pose_fix(arm_topics, config, types, prefix_fix)}")
        try:
            ee = pose_to_state(poses[:, :3], poses[:, 3:], np.zeros(len(poses)))[:, :6]
        except ValueError as exc:
            raise BagError(f"{path}: {state_topic}: {exc}") from exc
        # the pose topic's point against the joints' FK at tcp_xyz (pose_point: the rule)
        arm_topic = arm_topics[0] if arm_topics and not prefix_fix and \
            len(arms_seen(config.joint_prefix, joint_topics, collected)) == 1 else ""

        def read_arm():  # unreadable beside the poses: refused only when read for states
            try:
                return joint_series(path, arm_topic, collected,  # read, not checked: unused
                                    lambda topic, used=False: times_of(topic, used=False),
                                    joints, types)
            except BagError:
                return None

        point = pose_point(state_topic, arm_topic, bool(arm_topics), state_times, poses,
                           read_arm, joints_to_pose or default_joints_to_pose(
                               config.tcp_xyz, config.tcp_rpy), config.tcp_xyz, config.tcp_rpy,
                           config.state_source == "auto")
        at_tcp = point.at_tcp
        notes += [point.note] if point.note else []
        if point.read_joints:  # the joints at tcp_xyz, as the planner's joint_states reads them
            source, state_topic = "joint_states", arm_topic
            state_msgs = collected[state_topic][2]
            other = other_source_fix(source, arm_topics, config, types, prefix_fix)
    if source == "joint_states":
        at_tcp = True
        series = read[state_topic] = joint_series(path, state_topic, collected, times_of, joints,
                                                   types)
        state_times = series.arm_times
        kinematics = joints_to_pose or default_joints_to_pose(config.tcp_xyz, config.tcp_rpy)
        ee = joints_to_ee(path, state_topic, series, state_msgs, kinematics,
                          config.joint_prefix, types,
                          topics_of_arm(config.joint_prefix, joint_topics, collected))
        state_frame = f"{joints.prefix}link0" if joints.prefix is not None else ""
        if series.nonfinite:
            notes.append(nonfinite_note(state_topic, series.nonfinite))
        if series.unread:
            notes.append(unread_note(state_topic, series.unread))
        elif len(series.arm) and arm_unread(series.arm).all():
            raise BagError(f"{path}: {state_topic}: every one of its {len(series.arm)} arm "
                           "messages has every joint at exactly 0: the driver never read the arm "
                           "(no Franka stands there: joint 4's range ends at -0.07 rad); record "
                           "again once the driver publishes the arm's joints")
        if series.foreign:
            notes.append(f"{series.foreign} message(s) on {state_topic} about other joints "
                         "ignored")
    gripper, gripper_source, gripper_fix, gripper_unknown, width = gripper_closedness(
        path, config, joint_topics, collected, times_of, joints, state_times, state_topic, notes,
        read, gripper_topic, types, receive_timed, clock_of, recorded_opening,
    )
    states = np.concatenate([ee, gripper[:, None]], axis=1)
    silent = np.isnan(gripper)  # inside a steady gripper topic's silence: noted, left out
    if silent.all():
        raise BagError(f"{path}: gripper topic {gripper_source} was silent over every arm state "
                       f"of {state_topic} while the hand moved: no step's closedness is known")
    state_times, states = state_times[~silent], states[~silent]
    if not np.isfinite(states).all():
        raise BagError(f"{path}: {state_topic} holds NaN or inf states")
    state_order = np.argsort(state_times, kind="stable")
    state_times, states = state_times[state_order], states[state_order]
    stray = check_sources(path, state_topic, state_times, states, other)  # two: BagError
    notes += [stray_note(state_topic, state_times, stray)] if stray.any() else []
    state_times, states = state_times[~stray], states[~stray]
    offsets = None  # [s] the camera's against the states', for check_clock (--stamps header)
    # a clock stepping mid-bag: one side kept; beside a topic timed by receipt too (its times
    # are the receive clock, against which the other's stamps step)
    if config.stamps == "header":
        read = step_cut(image_topic, clock_of(image_topic), state_topic, clock_of(state_topic),
                        image_times[order], state_times)
        offsets = read.offsets  # of the part read
        notes += [read.note] if read.note else []
        if read.frames is not None:
            image_times, ordinals = image_times[order][read.frames], ordinals[read.frames]
            order = np.arange(len(image_times))
            state_times, states = state_times[read.states], states[read.states]
    keep = np.append(np.diff(state_times) > 0, True)  # repeated stamps: keep the last
    # the note, and the steps resample drops, on the states the steps are made of
    jump_note = check_state_jumps(path, state_topic, state_times[keep], states[keep], other)
    notes += [jump_note] if jump_note else []
    check_overlap(path, config, image_topic, image_times[order], state_topic, state_times)
    camera_note = uncovered_note(  # a camera that died (or started) well inside the states
        "camera", image_topic, image_times[order], state_topic, state_times[keep],
        "and have no frame: no step there is evaluated or trained (the camera driver stopped, "
        "or started late?)")
    notes += [camera_note] if camera_note else []
    if offsets is not None:  # overlapping, yet seconds apart: a camera on another clock
        check_clock(path, image_topic, offsets, state_topic, notes,
                    limit_s=config.max_clock_offset_s)
    return Recording(
        path=path, storage=storage, compression=compression, topic_types=types,
        image_topic=image_topic,
        image_type=types[image_topic], image_times=image_times[order], image_ordinals=ordinals,
        state_times=state_times[keep], states=states[keep], state_source=source,
        state_topic=state_topic, gripper_source=gripper_source, notes=notes, salvaged=salvaged,
        gripper_searched=[] if config.no_gripper else joint_topics, damage=list(damage),
        copies=copies,
        gripper_fix=gripper_fix, state_frame=state_frame, gripper_unknown_ns=gripper_unknown,
        at_tcp=at_tcp, gripper_max_width=width,
    )


def _decodes(path, topic: str, msgtype: str, raw: bytes, ordinal: int, types) -> bool:
    """Return whether camera message ``ordinal`` decodes: False for a lost frame (``lost_cause``).

    Raises :func:`decode_frame`'s BagError for a frame of an encoding the model cannot use.
    """
    try:
        decode_frame(path, topic, msgtype, raw, ordinal, types)
    except BagError as exc:
        if lost_cause(exc) is None:
            raise
        return False
    return True
