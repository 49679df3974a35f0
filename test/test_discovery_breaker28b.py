"""breaker28b: holes in rec28/low28/low28b's data discovery, resume check and advice.

Each failed before data28e fixed its hole (they were strict xfails). Reproductions and the
measured numbers are in breaker28b's report.
"""

import os
import shlex
from pathlib import Path

import pytest

from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.train.synthetic import blob_episode


def _bag(path, frames=4, seed=1):
    episode = blob_episode(frames=frames, seed=seed, size=16)
    return write_bag(path, episode.frames, episode.states, episode.timestamps)


class _TooMuchWork(Exception):
    pass


def test_a_resume_over_changed_data_with_a_mesh_of_links_is_refused_in_polynomial_work(
        tmp_path, monkeypatch):
    """low28's every_route fallback runs on every folder source whose digest changed.

    A bag with an index of 8 link folders, each linking to the others (no data in them): the
    walk lists it in linear work, but ``resume_change`` digests it again by every route: 8
    folders took about 150 s and 9 several minutes on the test box (7: 18 s) before the
    refusal; with a file in each folder the 100 000-file limit is reached after 130 s (9).
    Counted in folder listings, not seconds: the walk needs 8 * 8 = 64 of them.
    """
    from vjepa_ros.train import data_identity
    from vjepa_ros.train.episodes import Source

    bag = _bag(tmp_path / "bag")
    names = [f"f{i}" for i in range(8)]
    for name in names:
        (bag / "index" / name).mkdir(parents=True)
    for name in names:
        for other in names:
            if other != name:
                os.symlink(f"../{other}", bag / "index" / name / other)
    listings = []
    real_scandir = os.scandir

    def counted(path):
        listings.append(path)
        if len(listings) > 1_000:  # 8 folders: ~110 000 routes; the walk: 64
            raise _TooMuchWork(f"{len(listings)} folder listings")
        return real_scandir(path)

    monkeypatch.setattr(data_identity.os, "scandir", counted)
    stored = {"--data": {str(bag.resolve()): "v2:" + "0" * 40}, "--val": {}}
    groups = {"--data": [Source(bag, "bag")], "--val": []}
    assert data_identity.resume_change(stored, groups) == f"--data: changed {bag.resolve()}"


def test_the_folder_permission_advice_lets_this_user_read_a_folder_another_user_owns(tmp_path):
    """``pretrain --data FOLDER`` that this user may not read: the advice is the owner's chmod.

    Before rec28 it said ``chmod a+rx FOLDER`` as its owner; now ``chmod -R u+rX FOLDER`` as
    its owner (nobody): pasted by the owner it sets the owner's bits only.
    """
    from vjepa_ros.path_advice import permission_fix

    folder = tmp_path / "lab data"
    folder.mkdir()
    owner = os.stat(folder).st_uid
    advice = permission_fix(folder)
    command = advice.split("`")[1]
    words = shlex.split(command)
    assert words[0] == "chmod", advice
    mode = next(word for word in words[1:] if not word.startswith("-"))
    who = mode.split("+")[0]
    assert Path(words[-1]) == folder, advice
    # run by the owner (another user than the one refused), it must reach this user
    assert who == "" or "a" in who or "o" in who, (owner, advice)


def test_the_upper_case_move_does_not_make_a_copy_a_second_recording(tmp_path):
    """``bag.MCAP`` beside the byte-identical ``bag.mcap`` (a copy off a case-folding disk).

    The walk's note says ``mv -n bag/bag.MCAP bag/bag-1.mcap``; pasted, the next search reads
    bag-1.mcap as a recording of its own (unlisted by metadata.yaml): the same messages
    trained twice. Expected: the note says the lower-case name is there already (the same
    bytes: a copy to delete), and never advises a move that reads it twice.
    """
    import shutil
    import subprocess

    from vjepa_ros.train.episodes import find_sources
    from vjepa_ros.train.same_recording import read_once

    bag = _bag(tmp_path / "data" / "bag")
    original = next(bag.glob("*.mcap"))
    shutil.copy(original, original.with_suffix(".MCAP"))
    notes: list[str] = []
    assert [s.path for s in find_sources([tmp_path / "data"], notes)] == [bag]
    for note in notes:
        for command in note.split("`")[1::2]:
            subprocess.run(command, shell=True, check=True)  # as the user pastes it
    notes = []
    sources = read_once(find_sources([tmp_path / "data"], notes), notes)
    assert [s.path for s in sources] == [bag], notes


def test_eval_names_the_upper_case_recording_in_a_folder_of_many_files(tmp_path):
    """eval/camera-check on ``take/`` (``take.MCAP`` and 12 frames): the move is not said.

    low28: every command refuses an upper-case suffix alike, with one ``mv -n``; train says
    it for this folder, eval says "not a rosbag2 recording (it holds: frame_000.png, ...)"
    because ``take.MCAP`` sorts after the 10 names the message shows.
    """
    import shutil

    from vjepa_ros.recordings.bag_files import BagError, open_reader

    take = tmp_path / "take"
    take.mkdir()
    shutil.copy(next(_bag(tmp_path / "b").glob("*.mcap")), take / "take.MCAP")
    for number in range(12):
        (take / f"frame_{number:03d}.png").write_bytes(b"png")
    with pytest.raises(BagError) as refused:
        open_reader(take)
    assert f"`mv -n {take / 'take.MCAP'} {take / 'take.mcap'}`" in str(refused.value)


def test_a_macos_fork_of_an_upper_case_file_is_skipped_as_a_fork(tmp_path):
    """``._X.MCAP`` (the fork a Mac writes beside ``X.MCAP`` on a FAT/exFAT disk).

    The note said ``to read it: `mv -n ._X.MCAP ._X.mcap``` (an AppleDouble file advised as a
    recording to read), not that it is a macOS resource fork.
    """
    from vjepa_ros.recordings.bag_folders import walk_files

    bag = _bag(tmp_path / "data" / "bag")
    (bag / "._X.MCAP").write_bytes(b"\x00\x05\x16\x07 AppleDouble")
    notes: list[str] = []
    walk_files(tmp_path / "data", notes)
    assert not any("mv -n" in note for note in notes), notes
    assert any("macOS resource forks" in note and "._X.MCAP" in note for note in notes), notes


def test_a_broken_link_the_search_skipped_does_not_stop_train(tmp_path):
    """``train --data data`` with ``data/b0/old.mcap`` a broken symlink (a moved disk).

    Train printed ``note skipped .../old.mcap: it is a broken symlink ...`` and then stopped:
    ``vjepa-ros train: [Errno 2] No such file or directory: '.../old.mcap'`` (data_identity).
    """
    from vjepa_ros.train.data_identity import data_identity
    from vjepa_ros.train.episodes import find_sources

    for number in range(2):
        _bag(tmp_path / "data" / f"b{number}", seed=number + 1)
    os.symlink("/nonexistent/old.mcap", tmp_path / "data" / "b0" / "old.mcap")
    notes: list[str] = []
    sources = find_sources([tmp_path / "data"], notes)
    assert any("broken symlink" in note for note in notes), notes
    identity = data_identity({"--data": sources, "--val": []})
    assert len(identity["--data"]) == 2


def test_parts_numbered_far_from_zero_claim_no_million_lost_parts(tmp_path):
    """``cam/cam_500000.mcap``, ``cam_500001.mcap``: a killed recorder's files, read together.

    Before low28: no note (nothing is missing between them). Now: ``cam_0.mcap, cam_1.mcap,
    cam_2.mcap (and 499997 more) of split recording cam missing before cam_500000.mcap``, after
    building a set of 500 000 numbers; parts numbered by Unix time (cam_1701600000.mcap) ask
    for a set of 1.7e9 (about 100 GB: the reader dies of memory). 3e6 measured: 1.3 s, 390 MB.
    """
    import shutil

    import numpy as np

    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_writing import DEFAULT_START_NS
    from vjepa_ros.recordings.bags import read_recording

    frames, states, _ = synthetic_episode(7)
    times = np.arange(8) * 0.25
    folder = tmp_path / "cam"
    folder.mkdir()
    for part in range(2):
        cut = slice(4 * part, 4 * part + 4)
        bag = write_bag(tmp_path / f"p{part}", frames[cut], states[cut],
                        times[cut] - times[cut][0],
                        start_time_ns=DEFAULT_START_NS + part * 1_000_000_000)
        shutil.copy(next(bag.glob("*.mcap")), folder / f"cam_{500_000 + part}.mcap")
    recording = read_recording(folder)
    assert len(recording.image_times) == 8
    assert not any("of split recording cam missing" in note for note in recording.notes), \
        recording.notes
