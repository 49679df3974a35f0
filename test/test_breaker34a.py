"""breaker34a: what fix33b (recordings) and fix33t (training) got wrong (strict xfails).

Each test states the input a lab gives, what happens now and what a right result would be:
an ``.npz`` whose ``timestamps`` are not seconds, one without them at another ``--rate``, a
``.db3`` killed before its write-ahead log was ever checkpointed, a gripper topic of one
message. Bags are made with ``rosbags``; ROS-free, CPU, seconds each.
"""

import errno
import shutil
import sqlite3

import numpy as np
import pytest
from test_breaker33b import FINGERS, GRIPPER, SEC, camera_pose_entries

from conftest import write_killed_sqlite_bag
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.robot.joint_states import finger_position
from vjepa_ros.train import DataConfig, find_sources
from vjepa_ros.train.episodes import EpisodeError, load_segments
from vjepa_ros.train.synthetic import blob_episode


def _npz(path, timestamps=None, frames=12):
    episode = blob_episode(frames=frames, seed=3)
    arrays = {"observations": episode.frames[None], "states": episode.states[None]}
    if timestamps is not None:
        arrays["timestamps"] = np.asarray(timestamps)[None]
    np.savez(path, **arrays)
    return path


def _segments(path, **data):
    return load_segments(find_sources([path])[0], DataConfig(frames_per_clip=4, **data))


def test_npz_timestamps_in_milliseconds_are_named_not_blamed_on_the_camera(tmp_path):
    """A 4 Hz episode stamped in ms (0, 250, 500, ...): a lab's converter kept the ms.

    In µs the same file takes ~100 s to be refused (11 M steps in a Python loop); in ns
    (ROS stamps) the grid is 1000x that: train hangs or runs out of memory. Expected: an
    EpisodeError naming the file and its timestamps (not seconds), before any resampling.
    """
    path = _npz(tmp_path / "ms.npz", np.arange(12) * 250.0)
    with pytest.raises(EpisodeError) as caught:
        _segments(path)
    said = str(caught.value)
    assert "ms.npz" in said and "timestamps" in said and "camera faster" not in said, said


def test_npz_timestamps_in_epoch_nanoseconds_are_named(tmp_path):
    """ROS-style int64 ns stamps (1.7e18 + k * 0.25 s) in an episode's ``timestamps``."""
    times = 1_700_000_000_000_000_000 + np.arange(12, dtype=np.int64) * 250_000_000
    path = _npz(tmp_path / "ns.npz", times)
    with pytest.raises(EpisodeError) as caught:
        _segments(path)
    said = str(caught.value)
    assert "ns.npz" in said and "timestamps" in said and "state_times" not in said, said


def test_bag_from_npz_with_nanosecond_timestamps_is_refused_in_one_line(tmp_path, capsys):
    from vjepa_ros.cli import main

    times = 1_700_000_000_000_000_000 + np.arange(12, dtype=np.int64) * 250_000_000
    episode = _npz(tmp_path / "ns.npz", times)
    code = main(["bag-from-npz", str(tmp_path / "bag"), "--episode", str(episode)])
    err = capsys.readouterr().err
    assert code in (1, 2) and "ns.npz" in err and "timestamps" in err, err


@pytest.mark.parametrize("rate", [10.0, 5.0])
def test_an_npz_without_timestamps_says_its_rate_was_assumed(tmp_path, rate):
    """The published notebook layout (observations, states only) trained at ``--rate``.

    Before fix33t such a file was used frame by frame (with a note that --rate applies to bags
    only); now it is resampled from an assumed 4 Hz. Expected: the note or the refusal says
    the file holds no timestamps and that 4 Hz was assumed (add timestamps [T] s to it).
    """
    path = _npz(tmp_path / "plain.npz")
    try:
        _, notes = _segments(path, rate_hz=rate)
    except EpisodeError as exc:
        notes = [str(exc)]
    said = " ".join(notes)
    assert "no timestamps" in said or "without timestamps" in said, notes


def _killed_before_first_checkpoint(tmp_path):
    """Return a sqlite3 bag whose every row (the schema too) is still in ``x.db3-wal``.

    rosbag2's resilient preset sets WAL mode when it opens the file, then creates its tables:
    until the first checkpoint (1000 pages, ~4 MB) nothing but the header is in the ``.db3``.
    """
    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states, storage="sqlite3")
    db = next(bag.glob("*.db3"))
    source = sqlite3.connect(db)
    schema = [r[0] for r in source.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL")]
    tables = [r[0] for r in source.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    rows = {table: source.execute(f"SELECT * FROM {table}").fetchall() for table in tables}
    source.close()
    live = tmp_path / "live"
    live.mkdir()
    shutil.copy(bag / "metadata.yaml", live / "metadata.yaml")
    connection = sqlite3.connect(live / db.name)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA wal_autocheckpoint=0")
    for sql in schema:
        connection.execute(sql)
    for table, table_rows in rows.items():
        if table_rows:
            marks = ",".join("?" * len(table_rows[0]))
            connection.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
    connection.commit()
    killed = tmp_path / "killed"  # what a kill -9 leaves: .db3 (header only) and its -wal
    killed.mkdir()
    for name in ("metadata.yaml", db.name, f"{db.name}-wal"):
        shutil.copy(live / name, killed / name)
    connection.close()
    return killed


def test_a_db3_killed_before_its_first_checkpoint_is_read_from_its_log(tmp_path):
    killed = _killed_before_first_checkpoint(tmp_path)
    recording = read_recording(killed)
    assert len(recording.image_times) == 6 and len(recording.state_times) == 6


@pytest.mark.parametrize("offset_ms", [1280, -10])
def test_a_gripper_topic_of_one_message_is_read(tmp_path, offset_ms):
    """A gripper that publishes on change only (or once, latched) while the arm streams.

    One message 1.28 s into a 2.75 s recording (inside the states' span), or 10 ms before the
    first state (a latched message the recorder got as it subscribed; a gripper 10 ms late
    with two messages is read without a word). Expected: its closedness for every state,
    with a note at most.
    """
    entries, _, _ = camera_pose_entries(12)
    finger = finger_position(1.0)
    stamp = DEFAULT_START_NS + offset_ms * SEC // 1000
    entries.append((GRIPPER, m.JOINT_STATE, stamp,
                    m.joint_state_message(FINGERS, [finger, finger], stamp)))
    try:
        recording = read_recording(write_messages(tmp_path / "bag", entries))
    except BagError as exc:
        pytest.fail(str(exc))
    np.testing.assert_allclose(recording.states[:, 6], 1.0, atol=1e-6)


@pytest.mark.parametrize("module", ["images.py", "robot/kinematics.py", "robot/joint_states.py"])
def test_the_cache_code_digest_covers_every_module_that_turns_a_bag_into_steps(
        tmp_path, monkeypatch, module):
    """A decoder or FK fix changes the frames/states read from the same bag: cache rebuilt.

    ``recordings.recording.decode_frame`` decodes with ``images.decode_image_message``;
    ``bags`` computes joint-state bags' poses with ``robot.kinematics`` and the closedness
    with ``robot.joint_states``. Expected: :func:`reader_code_digest` changes with them.
    """
    from vjepa_ros.train import feature_cache

    copy = tmp_path / "vjepa_ros"
    shutil.copytree(feature_cache.PACKAGE, copy,
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    monkeypatch.setattr(feature_cache, "PACKAGE", copy)
    before = feature_cache.reader_code_digest()
    with open(copy / module, "a") as file:
        file.write("\nFIXED_IN_A_LATER_RELEASE = True\n")
    assert feature_cache.reader_code_digest() != before


def test_a_db3_with_a_log_is_copied_at_most_once_per_read(tmp_path, monkeypatch):
    from vjepa_ros.recordings import sqlite_wal

    killed = write_killed_sqlite_bag(tmp_path)
    copied, real = [], shutil.copyfile

    def counting(source, target, *args, **kwargs):
        copied.append(str(source))
        return real(source, target, *args, **kwargs)

    monkeypatch.setattr(sqlite_wal.shutil, "copyfile", counting)
    recording = read_recording(killed)
    assert recording.load_frames(list(range(6))).shape[0] == 6
    assert sum(name.endswith(".db3") for name in copied) <= 1, copied


def test_a_full_temp_disk_while_merging_a_log_says_where_and_what_to_do(tmp_path, monkeypatch):
    from vjepa_ros.recordings import sqlite_wal

    killed = write_killed_sqlite_bag(tmp_path)

    def full(source, target, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(sqlite_wal.shutil, "copyfile", full)
    recording = read_recording(killed)
    said = " ".join(recording.notes)
    assert "TMPDIR" in said, recording.notes


@pytest.mark.parametrize("named", [False, True])
def test_stamps_stepping_back_on_an_unused_joint_state_topic_leave_the_bag_readable(
        tmp_path, named):
    """Camera, pose and gripper on one clock; a second machine's JointState topic beside them.

    Its header stamps go back 3 s at message 6 (its simulator reset). Nothing read from it;
    expected: the bag is read (a note about that topic at most), with ``--gripper-topic``
    named or not.
    """
    from vjepa_ros.recordings.bag_topics import BagTopics

    entries, _, _ = camera_pose_entries(12)
    finger = finger_position(1.0)
    for i in range(12):
        t = DEFAULT_START_NS + i * SEC // 4
        entries.append((GRIPPER, m.JOINT_STATE, t,
                        m.joint_state_message(FINGERS, [finger, finger], t)))
        stamp = t if i < 6 else t - 3 * SEC
        entries.append(("/conveyor/joint_states", m.JOINT_STATE, t,
                        m.joint_state_message(["belt"], [0.1 * i], stamp)))
    bag = write_messages(tmp_path / "bag", entries)
    try:
        recording = read_recording(bag, BagTopics(gripper=GRIPPER) if named else None)
    except BagError as exc:
        pytest.fail(str(exc))
    assert recording.gripper_source == GRIPPER
    np.testing.assert_allclose(recording.states[:, 6], 1.0, atol=1e-6)


FILE_SIZE_LIMIT = """
import resource, signal, sys, torch
from vjepa_ros.disk_full import writing
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
resource.setrlimit(resource.RLIMIT_FSIZE, (100_000, resource.RLIM_INFINITY))
try:
    with writing(sys.argv[1], "free space there, or give --out on another disk"):
        torch.save({"w": torch.zeros(1_000_000)}, sys.argv[1])
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
"""


def test_a_short_write_on_a_disk_with_space_is_not_called_a_full_disk(tmp_path):
    """latest.pt of a ViT-g run (> 4 GB with its optimizer state) saved to a FAT32 USB disk.

    Simulated by RLIMIT_FSIZE (EFBIG, as FAT32 gives past 4 GB) in a child process; the disk
    has space. Expected: no claim that the disk is full (say the write stopped short, e.g. a
    file-size limit of that disk, naming the file).
    """
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", FILE_SIZE_LIMIT, str(tmp_path / "latest.pt")],
                         capture_output=True, text=True, check=False).stdout
    assert "latest.pt" in out, out
    assert "no space left" not in out and "is full" not in out, out


def test_an_npz_with_one_duplicated_timestamp_is_read_or_named(tmp_path):
    times = np.arange(12) * 0.25
    times[5] = times[4]
    path = _npz(tmp_path / "dup.npz", times)
    try:
        segments, _ = _segments(path)
    except EpisodeError as exc:
        said = str(exc)
        assert "dup.npz" in said and " 5" in said and ("remove" in said or "drop" in said), said
        return
    assert sum(len(segment) for segment in segments) >= 8
