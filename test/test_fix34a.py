"""fix34a: the other members of breaker34a's families.

npz timestamps, WAL bags, gripper topics, the reader-code digest, short writes, rate notes.
ROS-free, CPU, seconds each.
"""

import errno
import gc
import os
import shutil

import numpy as np
import pytest
from test_breaker33b import CAMERA, FINGERS, GRIPPER, POSE, SEC, camera_pose_entries
from test_breaker34a import _killed_before_first_checkpoint, _npz, _segments

from conftest import wal_sqlite_bag
from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS, write_bag, write_messages
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.robot.joint_states import finger_position
from vjepa_ros.train.episodes import EpisodeError


@pytest.mark.parametrize(("times", "unit", "factor"), [
    (np.arange(12) * 250_000, "microseconds", "1e6"),
    (1_700_000_000_000 + np.arange(12) * 250, "milliseconds", "1e3"),  # epoch ms
    (np.arange(12) * 33.3, "milliseconds", "1e3"),  # a 30 Hz camera in ms
])
def test_npz_timestamps_in_other_units_name_the_unit_and_the_conversion(tmp_path, times, unit,
                                                                        factor):
    path = _npz(tmp_path / "ep.npz", times)
    with pytest.raises(EpisodeError) as caught:
        _segments(path)
    said = str(caught.value)
    assert "ep.npz" in said and unit in said and f"/ {factor}" in said, said
    assert "camera faster" not in said and len(said.splitlines()) == 1, said


def test_npz_timestamps_going_back_name_the_frame_and_the_fix(tmp_path):
    times = np.arange(12) * 0.25
    times[7] = 1.0  # frame 7 stamped before frame 6 (1.5 s)
    path = _npz(tmp_path / "back.npz", times)
    with pytest.raises(EpisodeError, match=r"back\.npz: its timestamps go back at frame 7 .*"
                       r"remove frame 7"):
        _segments(path)


def test_npz_timestamps_mostly_repeated_are_refused_as_too_coarse(tmp_path):
    """Whole seconds of a 4 Hz camera: 3 frames in 4 share a stamp; not one moment each."""
    path = _npz(tmp_path / "whole.npz", np.arange(12) // 4)
    with pytest.raises(EpisodeError, match=r"whole\.npz: 9 of its 12 timestamps .*whole seconds"):
        _segments(path)


def test_a_repeated_stamp_in_an_npz_gives_the_steps_of_the_same_bag(tmp_path):
    """The npz and its bag (two frames of one stamp) are resampled by one rule."""
    times = np.arange(12) * 0.25
    times[5] = times[4]
    segments, _ = _segments(_npz(tmp_path / "dup.npz", times))
    episode = np.load(tmp_path / "dup.npz")
    entries = []
    for i, (frame, state) in enumerate(zip(episode["observations"][0], episode["states"][0],
                                           strict=True)):
        received, stamp = DEFAULT_START_NS + i * SEC // 4, DEFAULT_START_NS + int(times[i] * SEC)
        finger = finger_position(float(state[6]))
        entries += [(CAMERA, m.IMAGE, received, m.image_message(frame, stamp, "c")),
                    (POSE, m.POSE_STAMPED, received, m.pose_message(state, stamp, "base")),
                    (GRIPPER, m.JOINT_STATE, received,
                     m.joint_state_message(FINGERS, [finger, finger], stamp))]
    bag_segments, _ = _segments(write_messages(tmp_path / "bag", entries))
    assert [len(s) for s in segments] == [len(s) for s in bag_segments] == [5, 6]  # 1.25 s: none
    for segment, bag_segment in zip(segments, bag_segments, strict=True):
        np.testing.assert_allclose(segment.states, bag_segment.states, atol=1e-5)
        np.testing.assert_array_equal(segment.frames, bag_segment.frames)


def test_bag_from_npz_names_a_repeated_stamp_and_ms_timestamps_in_one_line(tmp_path, capsys):
    from vjepa_ros.cli import main

    times = np.arange(12) * 0.25
    times[5] = times[4]
    for name, stamps, words in (("dup", times, "repeat at frame 5"),
                                ("ms", np.arange(12) * 250.0, "milliseconds")):
        episode = _npz(tmp_path / f"{name}.npz", stamps)
        code = main(["bag-from-npz", str(tmp_path / f"{name}_bag"), "--episode", str(episode)])
        err = capsys.readouterr().err.strip()
        assert code == 1 and f"{name}.npz" in err and words in err and "--rate" in err, err
        assert len(err.splitlines()) == 1 and not (tmp_path / f"{name}_bag").exists(), err
    rated = main(["bag-from-npz", str(tmp_path / "rated"), "--episode",
                  str(tmp_path / "ms.npz"), "--rate", "4"])  # --rate: its timestamps unused
    assert rated == 0, capsys.readouterr().err


def test_an_npz_without_timestamps_at_the_step_rate_is_used_frame_by_frame(tmp_path):
    """As before fix33t: one step a frame, at any --rate, said once."""
    path = _npz(tmp_path / "plain.npz")
    segments, notes = _segments(path, rate_hz=10.0)
    assert sum(len(s) for s in segments) == 12
    assert len(notes) == 1 and "no timestamps" in notes[0] and "10 Hz" in notes[0], notes


def test_rate_notes_of_many_episodes_are_one_line(tmp_path):
    from vjepa_ros.train.npz_episode import grouped_rate_notes

    notes = []
    for index in range(5):
        notes += _segments(_npz(tmp_path / f"ep{index}.npz", np.arange(12) * 0.1))[1]
        notes += _segments(_npz(tmp_path / f"plain{index}.npz"))[1]
    notes.append("bag1: 3 of 20 steps dropped")
    grouped = grouped_rate_notes(notes)
    assert len(grouped) == 3, grouped
    assert grouped[0].startswith("5 episodes (ep0.npz, ep1.npz, ep2.npz, ...): recorded at "
                                 "10 Hz"), grouped
    assert grouped[1].startswith("5 episodes (plain0.npz, plain1.npz, plain2.npz, ...): no "
                                 "timestamps"), grouped
    assert grouped[2] == "bag1: 3 of 20 steps dropped"
    assert grouped_rate_notes(notes[:1]) == notes[:1]  # one episode: as it is


def test_a_db3_file_killed_before_its_first_checkpoint_given_by_itself_is_read(tmp_path):
    killed = _killed_before_first_checkpoint(tmp_path)
    recording = read_recording(next(killed.glob("*.db3")))
    assert len(recording.image_times) == 6
    assert any("-wal: 18 message(s)" in note for note in recording.notes), recording.notes


def _count_copies(monkeypatch):
    from vjepa_ros.recordings import temp_copies

    made, real = [], temp_copies.tempfile.mkdtemp

    def counting(*args, **kwargs):
        made.append(real(*args, **kwargs))
        return made[-1]

    monkeypatch.setattr(temp_copies.tempfile, "mkdtemp", counting)
    return made


def test_a_zstd_bag_is_unpacked_once_per_recording_and_removed_after(tmp_path, monkeypatch):
    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states, compression="file")
    data = next(bag.glob("*.zstd"))
    made = _count_copies(monkeypatch)
    recording = read_recording(data)  # a data file by itself: unpacked by this package
    assert recording.load_frames(list(range(6))).shape[0] == 6
    assert len(recording.load_frames([0, 5])) == 2
    assert len(made) == 1 and os.path.isdir(made[0]), made
    del recording
    gc.collect()
    assert not os.path.exists(made[0])


def test_a_full_temp_disk_while_unpacking_a_zstd_names_tmpdir(tmp_path, monkeypatch):
    from vjepa_ros.recordings import data_file_parts

    frames, states, _ = synthetic_episode(5)
    bag = write_bag(tmp_path / "bag", frames, states, compression="file")

    class Full:
        def decompress(self, block):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(data_file_parts, "zstd_module", lambda: type(
        "Z", (), {"ZstdDecompressor": Full, "ZstdError": ValueError}))
    with pytest.raises(BagError, match=r"\.mcap\.zstd: cannot unpack it: no room in the temp "
                       r"folder .*: no space left on its disk, it is full; free space there, "
                       r"or set TMPDIR"):
        read_recording(next(bag.glob("*.zstd")))


def test_a_used_up_quota_in_the_temp_folder_is_not_called_a_full_disk(tmp_path):
    """EDQUOT: the quota is named, and what frees it (a quota is not a full disk: fix51g)."""
    from vjepa_ros.recordings.temp_copies import temp_copy_full_words

    copied = tmp_path / "x.db3"
    copied.write_bytes(b"\0" * 2**20)
    line = temp_copy_full_words(OSError(errno.EDQUOT, "Disk quota exceeded"), copied)
    assert "x.db3 (1 MB): your disk quota is used up; free some of your quota" in line, line
    assert "full" not in line and line.endswith("set TMPDIR to a folder on a disk with room "
                                                "for it")
    assert temp_copy_full_words(OSError(errno.EACCES, "denied"), copied) == ""


def test_a_failed_read_leaves_no_temporary_copy(tmp_path, monkeypatch):
    bag, connection = wal_sqlite_bag(tmp_path)
    connection.execute("DELETE FROM messages")  # in the log alone: no frame left
    connection.commit()
    killed = tmp_path / "killed"
    shutil.copytree(bag, killed)
    connection.close()
    made = _count_copies(monkeypatch)
    with pytest.raises(BagError):
        read_recording(killed)
    assert made and not any(os.path.exists(folder) for folder in made), made


def _gripper_bag(tmp_path, finger_stamps, start=DEFAULT_START_NS):
    """Write camera, poses (received from ``DEFAULT_START_NS``) and the finger messages.

    Finger message i is received at ``start`` + i / 4 s, stamped ``finger_stamps[i]``.
    """
    entries, _, _ = camera_pose_entries(12)
    finger = finger_position(1.0)
    for index, stamp in enumerate(finger_stamps):
        t = start + index * SEC // 4
        entries.append((GRIPPER, m.JOINT_STATE, t,
                        m.joint_state_message(FINGERS, [finger, finger], stamp)))
    return write_messages(tmp_path / "bag", entries)


@pytest.mark.parametrize(("count", "received_then"), [(1, True), (3, True), (3, False)])
def test_a_gripper_recorded_at_another_time_is_still_refused(tmp_path, count, received_then):
    """An hour before the states: no shared time, one message or several.

    ``received_then``: received an hour before too (a gripper recorded then, merged in); else
    received with the states, 0.25 s apart as its stamps: a clock an hour behind, no latched
    history. (One message received with the states, stamped an hour before, is the hand's
    latched state, held: test_recordings_clocks41; the reader cannot tell it from a clock an
    hour behind, and its value is the hand's as received either way.)
    """
    hour_before = DEFAULT_START_NS - 3600 * SEC
    bag = _gripper_bag(tmp_path, [hour_before + i * SEC // 4 for i in range(count)],
                       hour_before if received_then else DEFAULT_START_NS)
    with pytest.raises(BagError, match="do not overlap in time"):
        read_recording(bag)


def test_stamps_stepping_back_on_the_gripper_topic_used_are_still_refused(tmp_path):
    stamps = [DEFAULT_START_NS + i * SEC // 4 - (3 * SEC if i >= 6 else 0) for i in range(12)]
    with pytest.raises(BagError, match=f"{GRIPPER} header stamps step back at message 7 "
                       r"\(counting from 1\)"):
        read_recording(_gripper_bag(tmp_path, stamps))


def _package_copy(tmp_path, monkeypatch):
    from vjepa_ros.train import feature_cache

    copy = tmp_path / "vjepa_ros"
    shutil.copytree(feature_cache.PACKAGE, copy,
                    ignore=shutil.ignore_patterns("__pycache__", "data"))
    monkeypatch.setattr(feature_cache, "PACKAGE", copy)
    return feature_cache, copy


@pytest.mark.parametrize("where", ["top", "function"])
def test_a_module_a_reader_imports_later_is_in_the_cache_code_digest(tmp_path, monkeypatch,
                                                                     where):
    """kinematics.py importing a new module at its top; bags.py inside a function."""
    feature_cache, copy = _package_copy(tmp_path, monkeypatch)
    (copy / "robot" / "new_helper.py").write_text("SCALE = 1.0\n")
    importer = copy / ("robot/kinematics.py" if where == "top" else "recordings/bags.py")
    line = "from vjepa_ros.robot import new_helper  # noqa\n"
    text = importer.read_text()
    importer.write_text(line + text if where == "top" else
                        text + "\n\ndef _later():\n    " + line)
    before = feature_cache.reader_code_digest()
    (copy / "robot" / "new_helper.py").write_text("SCALE = 1.001\n")
    assert feature_cache.reader_code_digest() != before


def test_the_cache_code_digest_leaves_out_modules_no_reader_imports(tmp_path, monkeypatch):
    """The simulator and the nodes: a change there keeps the cache (no needless re-encoding)."""
    feature_cache, copy = _package_copy(tmp_path, monkeypatch)
    files = {f.relative_to(copy).as_posix() for f in feature_cache.reader_code_files()}
    assert {"images.py", "image_encodings.py", "image_compression.py", "image_files.py",
            "image_errors.py", "robot/kinematics.py", "robot/joint_states.py",
            "recordings/resample.py", "models/preprocess.py", "models/checkpoint.py",
            "models/checkpoint_entries.py", "models/checkpoint_shapes.py",
            "models/hyper_parameter_merge.py", "models/checkpoint_build.py",
            "models/checkpoint_records.py", "models/checkpoint_save.py"} <= files
    assert not any(name.startswith(("sim/", "nodes/")) for name in files), sorted(files)


def test_a_file_too_large_for_its_disk_is_not_a_full_disk(tmp_path):
    from vjepa_ros.disk_full import DiskFullError, writing

    with pytest.raises(DiskFullError) as caught, writing(tmp_path / "latest.pt", "FIX"):
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG))
    said = str(caught.value)
    assert "latest.pt" in said and "file too large" in said and "FAT32" in said, said
    assert "no space left" not in said and "is full" not in said, said


def test_a_short_write_without_errno_on_a_nearly_full_disk_is_a_full_disk(tmp_path, monkeypatch):
    from vjepa_ros import disk_full

    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: 5 * 2**20)
    with pytest.raises(disk_full.DiskFullError, match=r"x\.pt: no space left on its disk, it "
                       r"is full, 5 MB free; FIX"), disk_full.writing(tmp_path / "x.pt", "FIX"):
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 7 vs 5")


def test_a_disk_with_under_a_megabyte_free_says_kilobytes_not_0_mb(tmp_path, monkeypatch):
    """user53u: collect's line said ``0 MB free`` with 136 KB free (the partial file removed)."""
    from vjepa_ros import disk_full

    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: 136 * 2**10)
    with pytest.raises(disk_full.DiskFullError, match=r"it is full, 136 KB free; FIX"), \
            disk_full.writing(tmp_path / "x.pt", "FIX"):
        raise OSError(errno.ENOSPC, "No space left on device")
