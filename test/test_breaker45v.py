"""Breaker45v: fix45t's recordings changes (5916318b and the five before) attacked.

Every refusal's advice was followed literally on the bag that produced it. What held up
(pins): the joint-states advice for arm joints with a prefix (left_fr3_), on an oddly named
topic, on one named *gripper*, each read once followed; two publishers on /joint_states
advise the bag's own pose topic (--pose-topic /tcp_pose), which then reads; BAG/metadata.yaml
in a folder with spaces reads the folder (report path it), the .mcap data file reads itself;
--no-gripper is in the feature cache's key and zeroes merged fingers' closedness only; two
corrupt MCAP chunks are counted message by message. Defects (fixed by fix45x):

- a --joint-prefix that names no arm (panda_ on an FR3 bag): the pose-frame refusal says
  "the bag holds no arm joint states to read instead", though fr3_joint1..7 are there;
- train's --no-gripper with --gripper-topic refusal says "--gripper-topic (--gripper-topic)";
- an MCAP whose first chunk (holding the channel records) is corrupt: the note says "read 30
  intact messages" while none can be read (the intact summary's channels are not used).

Also pinned (fix45x): a flipped byte in a chunk that carries its CRC is a corrupt chunk (noted,
counted); rosbags writes no chunk CRC (0: none), so such a byte there cannot be noticed.
"""

import json

import numpy as np
import pytest
from cli_runs import _run

pytestmark = pytest.mark.usefixtures("one_thread")

FAST = ["--samples", "12", "--iterations", "1", "--landscape-points", "0", "--quiet",
        "--threads", "1"]
HOME = [0.0, -0.785, 0.0, -2.356, 0.0, 1.571, 0.785]  # [rad] a Franka's ready pose
POSE = "/franka_robot_state_broadcaster/current_pose"


def _write(path, extra):
    """Write 8 32x32 frames at 4 Hz beside ``extra(k, t)``'s entries for frame k at t [ns]."""
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_messages

    return write_messages(path, [entry for k in range(8) for entry in [
        ("/camera/camera/color/image_raw", m.IMAGE, DEFAULT_START_NS + k * 250_000_000,
         m.image_message(np.full((32, 32, 3), 10 * k, np.uint8),
                         DEFAULT_START_NS + k * 250_000_000, "cam")),
        *extra(k, DEFAULT_START_NS + k * 250_000_000)]])


def _bag(path, frame="base", arm_prefix="fr3_", arm_topic="/joint_states"):
    """Write 8 frames at 4 Hz: poses in ``frame`` sliding 1 cm a frame, fingers, arm joints.

    ``arm_topic`` '': no arm joints recorded; the fingers stay open (0.04 m each).
    """
    from vjepa_ros.recordings import messages as m

    def extra(k, t):
        arm = [(arm_topic, m.JOINT_STATE, t, m.joint_state_message(
            [f"{arm_prefix}joint{i}" for i in range(1, 8)], HOME, t))] if arm_topic else []
        return [(POSE, m.POSE_STAMPED, t,
                 m.pose_message(np.array([0.4 + 0.01 * k, 0, 0.3, np.pi, 0, 0, 0]), t, frame)),
                ("/franka_gripper/joint_states", m.JOINT_STATE, t, m.joint_state_message(
                    [f"{arm_prefix}finger_joint1", f"{arm_prefix}finger_joint2"], [0.04] * 2,
                    t)), *arm]

    return _write(path, extra)


def _refusal(bag, **topics):
    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    with pytest.raises(BagError) as refused:
        read_recording(bag, BagTopics(**topics))
    return str(refused.value)


def test_a_pose_frame_refusal_with_a_wrong_joint_prefix_does_not_deny_the_bags_arm(tmp_path):
    """Do not say the bag has no arm joints when only --joint-prefix misses them.

    Input: poses in 'world', the arm's fr3_joint1..7 on /joint_states, read with
    --joint-prefix panda_ (a Panda user's habit). Happened: "... name the base frame with
    --base-frame world ... (the bag holds no arm joint states to read instead)": false, the
    bag holds an FR3 arm's joints (topics_of_arm matches the given prefix only). Should: say
    the arm joints are there under fr3_ (--state-source joint_states --joint-prefix fr3_, or
    leave --joint-prefix out), or at least not claim the bag has none.
    """
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    bag = _bag(tmp_path / "bag", frame="world")
    message = _refusal(bag, joint_prefix="panda_")
    assert "in frame 'world'" in message
    assert "holds no arm joint states" not in message, message
    assert "instead: --state-source joint_states --joint-prefix fr3_ (or leave --joint-prefix " \
        "out" in message, message
    for prefix in ("fr3_", ""):  # the advice followed, either way: the arm's 8 states
        fixed = read_recording(bag, BagTopics(state_source="joint_states", joint_prefix=prefix))
        assert fixed.state_topic == "/joint_states" and len(fixed.states) == 8


def test_a_wrong_joint_prefix_on_a_two_arm_bag_names_the_arms_of_the_topic_advised(tmp_path):
    """Name each arm's prefix on the advised topic, never 'leave --joint-prefix out' (refused)."""
    from vjepa_ros.recordings import messages as m

    names = [f"{arm}joint{i}" for arm in ("left_fr3_", "right_fr3_") for i in range(1, 8)]
    bag = _write(tmp_path / "bag", lambda k, t: [
        (POSE, m.POSE_STAMPED, t, m.pose_message(np.array([0.4, 0, 0.3, np.pi, 0, 0, 0]), t,
                                                 "world")),
        ("/joint_states", m.JOINT_STATE, t, m.joint_state_message(names, HOME * 2, t))])
    message = _refusal(bag, joint_prefix="panda_")
    assert "--state-source joint_states --joint-prefix left_fr3_ or --joint-prefix right_fr3_ " \
        "(the arm to read)" in message, message
    assert "leave --joint-prefix out" not in message


def test_train_no_gripper_with_a_gripper_topic_names_each_option_once(
        capsys, tmp_path, tiny_world_model):
    """Name each option once in train's refusal of --no-gripper with --gripper-topic.

    Input: train --no-gripper --gripper-topic /franka_gripper/joint_states. Happened (exit 2):
    "data.topics.no_gripper (--no-gripper) (...) with --gripper-topic (--gripper-topic)
    /franka_gripper/joint_states (...): give one of them": the setting name was replaced by
    the option, which is then said twice. Should: "data.topics.gripper (--gripper-topic)" (as
    train/config.py writes it) or "--gripper-topic" once, as eval and camera-check say it.
    """
    bag = str(_bag(tmp_path / "bag"))
    code, _, err = _run(capsys, "train", "--data", bag, "--encoder", str(tiny_world_model),
                        "--no-gripper", "--gripper-topic", "/franka_gripper/joint_states",
                        "--out", str(tmp_path / "run"), "--steps", "1", "--threads", "1")
    assert code == 2 and "give one of them" in err, err
    assert "--gripper-topic (--gripper-topic)" not in err, err
    assert err.endswith("--no-gripper reads no gripper topic (closedness 0), --gripper-topic "
                        "/franka_gripper/joint_states reads the gripper state from it: give one "
                        "of them (drop --gripper-topic for closedness 0, or --no-gripper to read "
                        "/franka_gripper/joint_states)"), err  # as eval says it


def test_a_corrupt_first_chunk_is_not_counted_as_messages_read(tmp_path):
    """Count as read only messages that can be read.

    Input: an MCAP of 40 messages in 4 chunks (schemas and channels written into the first
    chunk, as chunked writers do), a byte of the first chunk flipped; the summary at the end
    (with every channel) intact. Happened: the note "1 corrupt chunk(s) skipped; read 30 intact
    messages (2.90 s), lost 10 messages"; messages() yields none (the 30 belong to channels
    only defined in the lost chunk: no connection), so a recording reads as having no topics.
    Should: the 30 messages read (channels from the intact summary), or the note counts 0 read.
    """
    from test_eval_recordings_damaged import _mcap_of_codec, _salvage

    path = tmp_path / "first.mcap"
    written, chunks = _mcap_of_codec(path, "NONE")
    data = bytearray(path.read_bytes())
    data[chunks[0].chunk_start_offset + chunks[0].chunk_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    read, damage = _salvage(path)
    assert damage.lost_chunks == 1 and "lost 10 messages" in damage.summary(path)
    assert len(read) == damage.messages_read == 30, (len(read), damage.summary(path))
    assert read == written[10:]


def test_a_corrupt_first_chunk_without_a_summary_counts_its_orphans_unreadable(tmp_path):
    """Cut short too (no summary to name the channels): the note reads 0, refused as empty."""
    from test_eval_recordings_damaged import _mcap_of_codec

    from vjepa_ros.recordings.mcap_salvage import McapDamageError, SalvagedMcap

    path = tmp_path / "first.mcap"
    written, chunks = _mcap_of_codec(path, "ZSTD")
    data = bytearray(path.read_bytes()[:chunks[-1].chunk_start_offset])  # 3 chunks left
    data[chunks[0].chunk_start_offset + chunks[0].chunk_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(McapDamageError) as refused:
        SalvagedMcap(path)
    assert "20 intact message(s) unreadable (their channel was defined in a lost chunk" in \
        str(refused.value) and "read 0 intact messages" in str(refused.value), refused.value


@pytest.mark.parametrize("with_crc", [True, False])
def test_a_flipped_byte_in_a_chunk_with_its_crc_is_a_corrupt_chunk(with_crc, tmp_path):
    """Pin: a chunk's uncompressed_crc is checked; rosbags writes none (0), so nothing to check.

    Input: a rosbags-written MCAP (3 uncompressed chunks of 4 frames and poses), a byte of the
    second chunk's frame data flipped; ``with_crc``: each chunk's CRC filled in first (as the
    MCAP C++ writer of ros2 bag record does). With it: the chunk is skipped, noted and
    counted; without: read in full (the pixel's damage cannot be seen).
    """
    import struct
    import zlib

    from mcap.reader import make_reader

    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    rng = np.random.default_rng(0)
    bag = _write(tmp_path / "bag", lambda k, t: [(POSE, m.POSE_STAMPED, t, m.pose_message(
        np.array([0.4 + 0.01 * k, 0, 0.3, np.pi, 0, 0, 0]), t, "base")),
        ("/camera/big", m.IMAGE, t, m.image_message(
            rng.integers(0, 255, (256, 256, 3), np.uint8), t, "cam"))])
    path = next(bag.glob("*.mcap"))
    data = bytearray(path.read_bytes())
    with path.open("rb") as stream:
        chunks = sorted(make_reader(stream).get_summary().chunk_indexes,
                        key=lambda chunk: chunk.chunk_start_offset)
    assert len(chunks) >= 2 and {chunk.compression for chunk in chunks} == {""}
    for chunk in chunks if with_crc else []:  # fields: 3 times u64, crc u32, compression, data
        head = chunk.chunk_start_offset + 9
        assert struct.unpack_from("<I", data, head + 24)[0] == 0  # rosbags: no CRC
        body = head + 32 + struct.unpack_from("<I", data, head + 28)[0] + 8
        crc = zlib.crc32(data[body:body + chunk.compressed_size])
        struct.pack_into("<I", data, head + 24, crc)
    data[chunks[1].chunk_start_offset + chunks[1].chunk_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    read = read_recording(bag, BagTopics(image="/camera/big"))
    if not with_crc:
        assert len(read.image_times) == 8 and not read.damage
        return
    assert len(read.damage) == 1 and "1 corrupt chunk(s) skipped" in read.damage[0], read.damage
    assert 0 < len(read.image_times) < 8


def test_two_corrupt_chunks_are_counted_message_by_message(tmp_path):
    """Pin: two corrupt chunks (of 4): 'lost 20 messages', the 20 read are the rest."""
    from test_eval_recordings_damaged import _mcap_of_codec, _salvage

    path = tmp_path / "two.mcap"
    written, chunks = _mcap_of_codec(path, "ZSTD")
    data = bytearray(path.read_bytes())
    for chunk in chunks[1:3]:
        data[chunk.chunk_start_offset + chunk.chunk_length // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    read, damage = _salvage(path)
    assert len(read) == 20 and "lost 20 messages spanning" in damage.summary(path)


@pytest.mark.parametrize("given", ["metadata.yaml", "data file"])
def test_a_bag_in_a_folder_with_spaces_is_read_from_either_file(
        given, capsys, tmp_path, tiny_world_model):
    """Pin: 'my bag 1/metadata.yaml' reads the folder (report path it); the .mcap reads itself."""
    bag = _bag(tmp_path / "my bag 1")
    path = bag / "metadata.yaml" if given == "metadata.yaml" else next(bag.glob("*.mcap"))
    code, text, err = _run(capsys, "eval", str(path), "--checkpoint", str(tiny_world_model),
                           "--out", str(tmp_path / "out"), *FAST)
    assert code == 0, err
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    expected = bag if given == "metadata.yaml" else path
    assert report["recording"]["path"] == str(expected)
    assert f"bag           {expected} (mcap" in text
    assert report["summary"]["steps_evaluated"] == 7


@pytest.mark.parametrize("arm_topic, prefix", [("/joint_states", "left_fr3_"),
                                               ("/robot/arm_state", "fr3_"),
                                               ("/gripper_and_arm", "fr3_")])
def test_the_joint_states_advice_followed_reads_the_bag(arm_topic, prefix, tmp_path):
    """Pin: prefixed arm joints, an oddly named arm topic: the advice given, followed, reads it."""
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    bag = _bag(tmp_path / "bag", frame="world", arm_prefix=prefix, arm_topic=arm_topic)
    message = _refusal(bag)
    fix = message.split("instead: ")[1].split(", or ")[0]
    topic = fix.split("--joint-states-topic ")[1].split()[0] if "topic" in fix else \
        "/joint_states"
    assert topic == arm_topic, message
    fixed = read_recording(bag, BagTopics(state_source="joint_states", joint_states=topic))
    assert fixed.state_topic == arm_topic and len(fixed.states) == 8


def test_the_pose_advised_from_jumping_joint_states_reads_the_bag(tmp_path):
    """Pin: two publishers on /joint_states: '--state-source pose --pose-topic /tcp_pose' works."""
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording

    def extra(k, t):
        joints = [0.0 if k % 2 else 1.5] + HOME[1:]  # joint1 swings 1.5 rad a message
        return [("/tcp_pose", m.POSE_STAMPED, t,
                 m.pose_message(np.array([0.4 + 0.01 * k, 0, 0.3, np.pi, 0, 0, 0]), t, "base")),
                ("/joint_states", m.JOINT_STATE, t, m.joint_state_message(
                    [f"fr3_joint{i}" for i in range(1, 8)], joints, t))]

    bag = _write(tmp_path / "bag", extra)
    message = _refusal(bag)
    assert message.endswith("--state-source pose --pose-topic /tcp_pose (data.topics.pose)")
    fixed = read_recording(bag, BagTopics(state_source="pose", pose="/tcp_pose"))
    assert fixed.state_topic == "/tcp_pose" and len(fixed.states) == 8


def test_no_gripper_changes_the_feature_cache_key_and_zeroes_merged_fingers(tmp_path):
    """Pin: --no-gripper is in the cache key; merged arm+finger JointStates read closedness 0."""
    from types import SimpleNamespace

    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bags import read_recording
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.feature_cache import cache_key

    encode = SimpleNamespace(fingerprint={"weights": "x"})
    keys = [cache_key(encode, DataConfig(topics=BagTopics(no_gripper=flag)))
            for flag in (False, True)]
    assert keys[0] != keys[1]
    names = [f"fr3_joint{i}" for i in range(1, 8)] + ["fr3_finger_joint1", "fr3_finger_joint2"]
    bag = _write(tmp_path / "bag", lambda k, t: [("/joint_states", m.JOINT_STATE, t, (
        m.joint_state_message(names, HOME + [0.04 - 0.005 * k] * 2, t)))])
    closing = read_recording(bag)
    assert closing.states[-1, 6] > 0.5
    opened = read_recording(bag, BagTopics(no_gripper=True))
    assert opened.gripper_source == "none (--no-gripper)"
    assert (opened.states[:, 6] == 0).all()
    np.testing.assert_allclose(opened.states[:, :6], closing.states[:, :6])
