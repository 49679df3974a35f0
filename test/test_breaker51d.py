"""breaker51d: the helper nodes and the recording tools as a lab runs them.

Attacked at main 9e177490: vjepa_ros/nodes/camera_node.py (a stand-in camera through the
``camera_factory`` seam: frames that change size, grey [H, W] frames, zero-size frames),
nodes/bag_player.py with eval/playback.py (a differential check: a lab-like bag whose receive
times differ from its header stamps and whose joint_states list the joints in another order,
read with rosbags' reader and compared message by message with what the player publishes;
``play``'s rate scaling and ``/clock`` on a fake clock), recordings/bag_writing.py (what
``bag-from-npz`` and ``record`` write: metadata.yaml counts against the messages read back,
every storage and compression mode), and ``vjepa-ros bag-from-npz``, ``record`` and
``collect`` on a full disk (simulated: the write raises ENOSPC).

Defects (strict xfails until fix51d, tests now):
(1) camera_node publishes a frame whose size differs from the stream it started (a device or
stand-in delivering 32x24 frames after 64x48 ones) with the camera_info of the start: each image
and the camera_info of its stamp disagree on width and height, and nothing is logged.
(2) ``vjepa-ros bag-from-npz`` on a disk that fills mid-write ends with ``[Errno 28] No space
left on device`` alone: no bag named, not that nothing was written, nothing to do (``record``
gives the same line: same path, not tested separately).
(3) ``vjepa-ros collect`` on a disk that fills while an episode is saved: the same bare line,
not which file nor how many episodes were saved and kept (a stop says ``N of M episodes saved``).

Held up (pins): grey and zero-size frames end camera_node with one ImageError line and exit
status 1; the bag player publishes every message of a lab-like bag equal to what rosbags reads
(same order, header stamps and joint order kept, /clock never ahead of the message published
next), and messages written out of time order are played in time order (mcap, sqlite3);
``play`` at rate 2 publishes each message at (t - t0) / 2 of wall time and its /clock ticks
never pass the next message's time; the counts in metadata.yaml of a written bag equal the
messages read back for every storage and compression mode; a full disk leaves no partial bag
and no partial episode file. Probed by hand, not pinned: bag-from-npz of a one-frame episode
and into an existing file or folder (refused in one line), image files (16-bit colour scaled,
16-bit grey refused, TIFF, JPEG, a folder, a glob, a video: each loaded or refused in one line),
image_publisher's JPEG transport (cv2 decodes it in BGR order as image_transport's format says).
(4) ``play`` published a message while /clock could still lag its time by up to rate / clock_hz
of bag time (0.5 s at rate 20 with the default 40 Hz; ``ros2 bag play --clock`` ticks at a fixed
rate too), more than the default ``safety.max_state_age_s`` (0.25 s) a planner allows a stamp
ahead of its clock: the planner's input check refused such states (fix51d: /clock at each
message's time just before it; test below).

fix51d: (1) is refused (one line naming both sizes, exit status 1), the family with it (one
dimension, 16-bit); (2), (3) end in train's full-disk line (``disk_full``) naming the
output, what was kept and what to do, for ENOSPC and EDQUOT, ``record`` and any command's bare
full-disk error too (``command_errors.command_ended``).
"""

import errno
import time

import numpy as np
import pytest

SEC = 1_000_000_000
T0 = 1_700_000_000 * SEC


def _spin_until(context, node, listener, done, deadline_s):
    """Spin ``node`` and ``listener`` until ``done()`` (or ``deadline_s``); destroy both."""
    from rclpy.executors import SingleThreadedExecutor

    executor = SingleThreadedExecutor(context=context)
    for each in (node, listener):
        executor.add_node(each)
    try:
        deadline = time.monotonic() + deadline_s  # only a failing run waits this long
        while time.monotonic() < deadline and not done():
            executor.spin_once(timeout_sec=0.05)
        for _ in range(10):  # the last messages in flight
            executor.spin_once(timeout_sec=0.02)
    finally:
        executor.shutdown()
        node.destroy_node()
        listener.destroy_node()


class _StandInCamera:
    """A RealSense stand-in: 64x48 frames, then (after 3) what ``mode`` says."""

    mode = "size"

    def __init__(self, config):
        from vjepa_ros.robot.camera import camera_info_fields

        self.config, self.count = config, 0
        self.info = camera_info_fields(64, 48, 60.0, 61.0, 32.0, 24.0)
        self.timestamp_domain, self.capture_time_s = "", None

    def read(self):
        time.sleep(0.03)
        self.count += 1
        self.timestamp_domain, self.capture_time_s = "system_time", time.time()
        if self.count <= 3:
            return np.zeros((48, 64, 3), np.uint8)
        if self.mode == "deep":
            return np.zeros((48, 64, 3), np.uint16)
        return np.zeros({"size": (24, 32, 3), "width": (48, 32, 3), "height": (24, 64, 3),
                         "grey": (48, 64), "zero": (0, 0, 3)}[self.mode], np.uint8)

    def stop(self):
        pass


def _stand_in(mode):
    return type("Cam", (_StandInCamera,), {"mode": mode})


def test_a_frame_of_another_size_is_not_published_with_the_start_camera_info(context):
    """A frame whose size differs from the started stream's is refused, not published.

    Input: a camera (``camera_factory``) started at 64x48 (its ``info``) that delivers 32x24
    frames after the third. Was: camera_node published the 32x24 images, each with a
    camera_info of the same stamp that still said 64x48 (and the 64x48 intrinsics), and logged
    nothing. Now: the three 64x48 frames are published with their camera_info, the 32x24 one
    is not; the node ends (exit status 1, as for a lost device) with one line naming both sizes.
    """
    from rclpy.parameter import Parameter
    from test_ros_camera_node import _listener

    from vjepa_ros.nodes.camera_node import CameraNode

    listener, images, infos = _listener(context, "listener51d_size")
    node = CameraNode(camera_factory=_stand_in("size"), context=context, parameter_overrides=[
        Parameter("width", value=64), Parameter("height", value=48)])
    _spin_until(context, node, listener, node.done.is_set, 15.0)
    assert node.done.is_set() and node.exit_status() == 1
    assert node.camera.count == 4  # the three good frames, then the one of another size
    text = str(node.error)
    assert "32x24" in text and "64x48" in text and len(text.splitlines()) == 1, text
    assert images and all((i.width, i.height) == (64, 48) for i in images)
    sizes = {(i.header.stamp.sec, i.header.stamp.nanosec): (i.width, i.height) for i in infos}
    for image in images:
        stamp = (image.header.stamp.sec, image.header.stamp.nanosec)
        if stamp in sizes:
            assert sizes[stamp] == (image.width, image.height)


@pytest.mark.parametrize("mode, words", [
    ("grey", "got shape (48, 64)"), ("zero", "got shape (0, 0, 3)"),
    ("width", "a 32x48 frame in the 64x48 stream"),
    ("height", "a 64x24 frame in the 64x48 stream"),
    ("deep", "expected uint8 pixels, got uint16")])
def test_a_frame_not_of_the_started_stream_ends_the_node_with_one_line(context, mode, words):
    """A grey, 0x0, narrower, shorter or 16-bit frame ends camera_node (exit status 1).

    The grey and 0x0 frames held (ImageError); a change of one dimension only, the width or the
    height, is refused as a change of both is (breaker51d), and so is a 16-bit frame.
    """
    from rclpy.parameter import Parameter

    from vjepa_ros.nodes.camera_node import CameraNode

    node = CameraNode(camera_factory=_stand_in(mode), context=context, parameter_overrides=[
        Parameter("width", value=64), Parameter("height", value=48)])
    try:
        assert node.done.wait(15.0), "camera_node still running after a bad frame"
    finally:
        node.destroy_node()
    assert node.exit_status() == 1 and words in str(node.error), node.error
    assert node.camera.count == 4  # the three good frames, then the bad one


def _lab_bag(path, storage):
    """Write a lab-like bag: received 30 ms / 1 ms after the header stamps, joints reversed."""
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    rng = np.random.default_rng(51)
    names = [f"fr3_joint{i}" for i in range(7, 0, -1)]  # another order than the arm's
    entries = []
    for i in range(5):
        stamp = T0 + i * SEC // 10
        frame = rng.integers(0, 256, (32, 48, 3), dtype=np.uint8)
        entries.append(("/camera/camera/color/image_raw", m.IMAGE, stamp + 30_000_000,
                        m.image_message(frame, stamp, "cam")))
        entries.append(("/joint_states", m.JOINT_STATE, stamp + 1_000_000,
                        m.joint_state_message(names, list(rng.normal(size=7)), stamp)))
    return write_messages(path, entries, storage=storage)


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_the_player_publishes_what_rosbags_reads(context, tmp_path, storage):
    """Pin (differential): every played message equals the bag's, in order; /clock not ahead."""
    import rclpy
    from rclpy.parameter import Parameter
    from rclpy.qos import QoSProfile
    from rclpy.serialization import deserialize_message
    from rosgraph_msgs.msg import Clock
    from sensor_msgs.msg import Image, JointState

    from vjepa_ros.nodes.bag_player import BagPlayer
    from vjepa_ros.recordings.bag_files import open_reader

    bag = _lab_bag(tmp_path / "bag", storage)
    kinds = {"/camera/camera/color/image_raw": Image, "/joint_states": JointState}
    reader = open_reader(bag)
    expected = {topic: [] for topic in kinds}
    order = []
    for connection, time_ns, data in reader.messages():
        expected[connection.topic].append(deserialize_message(bytes(data),
                                                              kinds[connection.topic]))
        order.append(time_ns)
    reader.close()
    listener = rclpy.create_node("listener51d", context=context)
    got = {topic: [] for topic in kinds}
    clocks = []
    for topic, kind in kinds.items():
        listener.create_subscription(kind, topic, got[topic].append, QoSProfile(depth=100))
    listener.create_subscription(Clock, "/clock", clocks.append, QoSProfile(depth=1000))
    player = BagPlayer(context=context, parameter_overrides=[
        Parameter("bag", value=str(bag)), Parameter("rate", value=4.0),
        Parameter("start_delay_s", value=1.0)])
    _spin_until(context, player, listener, lambda: player.done.is_set() and all(
        len(got[t]) == 5 for t in kinds), 30.0)
    assert player.error is None and player.published == 10
    for topic in kinds:
        assert got[topic] == expected[topic], topic  # header stamps and joint order kept
    assert [n for n in got["/joint_states"][0].name] == [f"fr3_joint{i}" for i in range(7, 0, -1)]
    clock_ns = [c.clock.sec * SEC + c.clock.nanosec for c in clocks]
    assert clock_ns and clock_ns[0] == order[0] and max(clock_ns) <= order[-1]
    assert all(b >= a for a, b in zip(clock_ns, clock_ns[1:], strict=False))


def test_play_at_rate_two_publishes_at_half_the_bag_intervals():
    """Pin: ``play`` (fake clock) publishes at (t - t0) / rate; /clock never passes the next."""
    from vjepa_ros.eval.playback import BagMessage, play

    times = [T0, T0 + SEC // 4, T0 + SEC, T0 + 3 * SEC]
    wall = [100.0]
    published, ticks = [], []

    def publish(message):
        published.append((message.time_ns, wall[0]))

    def tick(bag_ns):
        ticks.append((bag_ns, wall[0]))

    def sleep(seconds):
        wall[0] += seconds

    messages = [BagMessage("/a", "std_msgs/msg/String", t, b"") for t in times]
    assert play(messages, publish, tick, rate=2.0, clock_hz=40.0, now=lambda: wall[0],
                sleep=sleep) == 4
    for time_ns, at in published:
        assert at == pytest.approx(100.0 + (time_ns - T0) / SEC / 2.0, abs=1e-9)
    for bag_ns, at in ticks:
        upcoming = [t for t, w in published if w >= at]
        assert not upcoming or bag_ns <= upcoming[0]
    assert all(b[0] > a[0] for a, b in zip(ticks, ticks[1:], strict=False))


def test_play_at_rate_twenty_never_publishes_a_state_ahead_of_its_clock():
    """At rate 20 each message goes out with /clock at its time: the planner's check takes it.

    Was: /clock ticked only every 1 / clock_hz of wall time, so at rate 20 (40 Hz) a message
    went out up to 0.5 s of bag time ahead of the last /clock, and the planner's input check
    (``input_ages.age_problem``, ``max_state_age_s`` 0.25 s both ways) refused a robot state
    stamped 0.45 s ahead of its clock. Now: the clock a subscriber holds when a message comes is
    the message's time, and the check passes for every one.
    """
    from vjepa_ros.eval.playback import BagMessage, play
    from vjepa_ros.robot.input_ages import age_problem

    times = [T0 + k * 450_000_000 for k in range(8)]  # 0.45 s of bag time: 22.5 ms at rate 20
    wall, events = [100.0], []

    def sleep(seconds):
        wall[0] += seconds

    messages = [BagMessage("/joint_states", "sensor_msgs/msg/JointState", t, b"") for t in times]
    assert play(messages, lambda m: events.append(("msg", m.time_ns)),
                lambda ns: events.append(("clock", ns)), rate=20.0, clock_hz=40.0,
                now=lambda: wall[0], sleep=sleep) == len(times)
    clock = None
    for kind, ns in events:
        if kind == "clock":
            assert clock is None or ns > clock
            clock = ns
            continue
        assert clock == ns  # the clock a node holds when the message arrives
        assert age_problem("robot state", (clock - ns) / SEC, 0.25, clock / SEC) == ""


@pytest.mark.parametrize("storage, compression", [
    ("mcap", "none"), ("mcap", "file"), ("mcap", "message"), ("mcap", "storage"),
    ("sqlite3", "file"), ("sqlite3", "message")])
def test_written_bag_counts_equal_the_messages_read_back(tmp_path, storage, compression):
    """Pin: metadata.yaml's counts (total, per topic, per file) equal what rosbags reads."""
    import yaml

    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_files import open_reader
    from vjepa_ros.recordings.bag_writing import write_bag

    frames, states, times = synthetic_episode(5, size=16)
    bag = write_bag(tmp_path / "bag", frames, states, times, storage=storage,
                    compression=compression, joint_names=[f"j{i}" for i in range(7)],
                    joint_positions=np.zeros((len(frames), 7)))
    info = yaml.safe_load((bag / "metadata.yaml").read_text())["rosbag2_bagfile_information"]
    reader = open_reader(bag)
    counts: dict[str, int] = {}
    for connection, _, _ in reader.messages():
        counts[connection.topic] = counts.get(connection.topic, 0) + 1
    reader.close()
    assert info["message_count"] == sum(counts.values()) == 4 * len(frames)
    assert {t["topic_metadata"]["name"]: t["message_count"]
            for t in info["topics_with_message_count"]} == counts
    assert [f["message_count"] for f in info["files"]] == [sum(counts.values())]


def _two_frame_npz(path):
    """Write a two-frame episode ``.npz`` (epoch timestamps) at ``path``; return it."""
    from vjepa_ros.eval.synthetic import synthetic_episode

    frames, states, _ = synthetic_episode(3, size=32)
    np.savez(path, observations=frames[:2], states=states[:2],
             timestamps=np.array([1.7e9, 1.7e9 + 0.25]))
    return path


def _full_disk_after(monkeypatch, owner, name, calls, code=None):
    """Make ``owner.name`` raise ENOSPC (or ``code``) at its ``calls``-th call, as a full disk."""
    import os

    real, count = getattr(owner, name), [0]
    code = errno.ENOSPC if code is None else code

    def write(*args, **kwargs):
        count[0] += 1
        if count[0] == calls:
            raise OSError(code, os.strerror(code))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, write)


FULL = {"ENOSPC": errno.ENOSPC, "EDQUOT": errno.EDQUOT}  # a full disk, a full quota
# what each says stopped the write (breaker51g: a full quota is no full disk) and what frees it
WORDS = {errno.ENOSPC: "no space left on its disk, it is full",
         errno.EDQUOT: "your disk quota is used up"}
REMEDY = {errno.ENOSPC: "free space there", errno.EDQUOT: "free some of your quota"}


def _disk_looks_full(monkeypatch):
    """Make every disk show 5 MB free, as a disk that raised ENOSPC does (fix55i)."""
    from vjepa_ros import disk_full

    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: 5 * 2**20)


@pytest.mark.parametrize("code", FULL.values(), ids=FULL)
def test_bag_from_npz_on_a_full_disk_names_the_bag(tmp_path, monkeypatch, capsys, code):
    """A disk that fills while bag-from-npz writes gives one line naming the bag.

    Input: ``vjepa-ros bag-from-npz --episode ep.npz OUT`` where the disk (or the quota) fills at
    the bag's fifth message (rosbags' ``Writer.write`` raises OSError ENOSPC / EDQUOT, as a
    write to a full disk does: no file name in the error). Was: exit status 1 and the line
    ``vjepa-ros bag-from-npz: [Errno 28] No space left on device``, naming neither OUT nor its
    disk, nor that nothing is left at OUT, nor what to do. Now: one line naming OUT, that its
    disk is full, that nothing was saved there and what to do, as train's full-disk line
    (``disk_full.writing``); the partial bag is removed (that held).
    """
    _disk_looks_full(monkeypatch)  # ENOSPC where the disk shows room is no full disk (fix55i)
    from rosbags.rosbag2 import Writer

    from vjepa_ros.cli import main

    episode = _two_frame_npz(tmp_path / "ep.npz")
    out = tmp_path / "outbag"
    _full_disk_after(monkeypatch, Writer, "write", 5, code)
    assert main(["bag-from-npz", "--episode", str(episode), str(out)]) == 1
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["ep.npz"]
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert err.startswith(f"vjepa-ros bag-from-npz: could not write {out}: {WORDS[code]}"), err
    assert f"nothing saved there (the part written is removed): {REMEDY[code]}" in err, err
    assert "Errno" not in err, err


def test_record_on_a_full_quota_names_the_bag(tmp_path, monkeypatch, capsys):
    """``record`` writes its bag as bag-from-npz does: the same one line on a full quota."""
    from rosbags.rosbag2 import Writer

    from vjepa_ros.cli import main

    out = tmp_path / "simbag"
    _full_disk_after(monkeypatch, Writer, "write", 3, errno.EDQUOT)
    assert main(["record", "--frames", "2", "--width", "32", "--height", "32", str(out)]) == 1
    assert list(tmp_path.iterdir()) == []
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith(
        f"vjepa-ros record: could not write {out}: your disk quota is used up"), err
    assert "nothing saved there" in err[0] and "it is full" not in err[0], err


@pytest.mark.parametrize("code", FULL.values(), ids=FULL)
def test_collect_on_a_full_disk_says_what_was_saved(tmp_path, monkeypatch, capsys, code):
    """A disk that fills mid-collect says which folder, how many episodes it kept, what next.

    Input: ``vjepa-ros collect --episodes 3 --frames 3 --width 32 --height 32 --out col``
    where the disk fills while the second episode is saved (``np.savez_compressed`` raises
    ENOSPC / EDQUOT). Was: exit status 1 with ``vjepa-ros collect: [Errno 28] No space left on
    device``: no folder, and not that ``episode_000000.npz`` was saved and kept, while a rerun
    into ``col`` is refused because it holds episodes. Now: one line naming ``col``, that its
    disk is full, the count a stopped collect gives (``1 of 3 episodes saved``), that a rerun
    into it is refused and the options that collect the rest elsewhere; the partial second
    file is removed (that held).
    """
    _disk_looks_full(monkeypatch)  # ENOSPC where the disk shows room is no full disk (fix55i)
    from vjepa_ros.cli import main

    out = tmp_path / "col"
    _full_disk_after(monkeypatch, np, "savez_compressed", 2, code)
    assert main(["collect", "--episodes", "3", "--frames", "3", "--width", "32", "--height",
                 "32", "--out", str(out)]) == 1
    assert sorted(p.name for p in out.iterdir()) == ["episode_000000.npz"]
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith(f"vjepa-ros collect: could not write {out}: {WORDS[code]}"), err
    # a full disk: which disk to free, the --out folder's (user53u)
    said = "free space on that folder's disk" if code == errno.ENOSPC else REMEDY[code]
    assert f"refused while it holds them: {said}" in err, err
    assert f"1 of 3 episodes saved in {out}" in err, err
    assert "a rerun into that folder is refused while it holds them" in err, err
    assert err.endswith("--out OTHER_FOLDER --seed 1 --episodes 2"), err
    # what it says to pass is what a rerun accepts: the rest, seeds 1 and 2, elsewhere
    monkeypatch.undo()
    other = tmp_path / "other"
    assert main(["collect", "--episodes", "2", "--seed", "1", "--frames", "3", "--width", "32",
                 "--height", "32", "--out", str(other)]) == 0
    assert sorted(p.name for p in other.iterdir() if p.suffix == ".npz") == [
        "episode_000001.npz", "episode_000002.npz"]


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
def test_the_player_reads_messages_written_out_of_order_in_time_order(tmp_path, storage):
    """Pin: messages written out of receive-time order (a merged bag) are played in time order."""
    from vjepa_ros.eval.playback import iter_bag
    from vjepa_ros.recordings import messages as m
    from vjepa_ros.recordings.bag_writing import write_messages

    order = [3, 1, 2, 0, 4]
    entries = [("/joint_states", m.JOINT_STATE, T0 + i * SEC // 10,
                m.joint_state_message(["a"], [float(i)], T0 + i * SEC // 10)) for i in order]
    bag = write_messages(tmp_path / "bag", entries, storage=storage)
    assert [(message.time_ns - T0) // (SEC // 10) for message in iter_bag(bag)] == sorted(order)


@pytest.mark.parametrize("code", FULL.values(), ids=FULL)
def test_any_command_ending_on_a_bare_full_disk_names_its_output(tmp_path, capsys, code,
                                                                 monkeypatch):
    """A command's bare ENOSPC / EDQUOT (no file named) is worded as train's line, any command.

    ``command_errors.command_ended`` names the output the command claimed (``out_lock``) and
    what it saved; an error naming its file names that file; other errors keep their words.
    """
    import os

    from vjepa_ros import disk_full
    from vjepa_ros.command_errors import command_ended
    from vjepa_ros.out_lock import claim_output, release_outputs

    out = tmp_path / "report"
    claim_output(out, "--out")
    # its disk full (a bare ENOSPC on a disk with room is another disk's: test_breaker51g)
    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: 5 * 2**20)
    try:
        bare = OSError(code, os.strerror(code))
        assert command_ended("vjepa-ros eval", bare, lambda: "nothing saved (SAID)") == 1
        named = OSError(code, os.strerror(code), str(out / "plot.png"))
        assert command_ended("vjepa-ros eval", named) == 1
        assert command_ended("vjepa-ros eval", OSError(errno.EACCES, "Permission denied")) == 1
    finally:
        release_outputs()
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[0].startswith(f"vjepa-ros eval: could not write {out}: {WORDS[code]}"), lines
    # what is in --out, not the command's words (SAID): it wrote nothing there
    assert lines[0].endswith(f"; nothing saved in {out}: {REMEDY[code]}"
                             + ("" if code == errno.ENOSPC else
                                " (delete files of yours on that disk)")
                             + ", or give another --out on a disk with room"), lines
    assert lines[1].startswith(f"vjepa-ros eval: could not write {out / 'plot.png'}: "
                               f"{WORDS[code]}")
    assert lines[2] == "vjepa-ros eval: [Errno 13] Permission denied"
