"""Inputs this user may not read are refused in one line naming the file and the ``chmod``.

Before, an unreadable ``.mcap`` gave rosbags' and Python's ``[Errno 13]`` words, an unreadable
``.npz`` the advice to give another file, and an unreadable ``metadata.yaml`` the advice to
delete it. chmod 000 does not stop root (as CI runs), so the tests make ``open`` refuse the file.
"""

import builtins
import errno
import io
import os

import numpy as np
import pytest

from vjepa_ros.eval.synthetic import synthetic_episode
from vjepa_ros.recordings.bag_files import BagError
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.recordings.bags import read_recording
from vjepa_ros.recordings.episode_file import read_episode_arrays
from vjepa_ros.train.config import DataConfig
from vjepa_ros.train.episodes import EpisodeError, find_sources, load_segments


@pytest.fixture
def deny(monkeypatch):
    """Return ``deny(*paths)``: opening any of these paths raises PermissionError (EACCES)."""
    denied = set()
    real_open = builtins.open

    def guarded(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.path.abspath(file) in denied:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), os.fspath(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded)
    monkeypatch.setattr(io, "open", guarded)
    return lambda *paths: denied.update(os.path.abspath(p) for p in paths)


@pytest.fixture(scope="module")
def episode():
    frames, states, _ = synthetic_episode(7, size=16)
    return frames, states


def _assert_permission_line(text, path):
    """Check the line for this user's own file (written here): its ``chmod u+r``, no sudo."""
    assert text.startswith(f"{path} cannot be read by this user (Permission denied): "), text
    assert text.endswith(f"let this user read it: `chmod u+r {path}`") and "\n" not in text
    assert "Errno" not in text and "reindex" not in text and "give" not in text


@pytest.mark.parametrize("storage", ["mcap", "sqlite3"])
@pytest.mark.parametrize("given", ["folder", "file"])
def test_an_unreadable_data_file_names_it_and_its_permissions(tmp_path, episode, deny,
                                                              storage, given):
    bag = write_bag(tmp_path / "bag", *episode, storage=storage)
    data_file = next(bag.glob("*.mcap" if storage == "mcap" else "*.db3"))
    deny(data_file)
    with pytest.raises(BagError) as caught:
        read_recording(bag if given == "folder" else data_file)
    _assert_permission_line(str(caught.value), data_file)
    with pytest.raises(EpisodeError) as caught:  # train reads it alike
        load_segments(find_sources([bag])[0], DataConfig(frames_per_clip=2))
    _assert_permission_line(str(caught.value), data_file)


def test_an_unreadable_metadata_file_is_read_around_with_the_chmod_advice(tmp_path, episode,
                                                                          deny):
    frames, states = episode
    bag = write_bag(tmp_path / "bag", frames, states)
    deny(bag / "metadata.yaml")
    recording = read_recording(bag)
    assert len(recording.image_times) == len(frames)
    note = next(note for note in recording.notes if "metadata.yaml" in note)
    assert note.startswith(f"{bag / 'metadata.yaml'} cannot be read by this user "
                           "(Permission denied)")
    assert f"`chmod u+r {bag / 'metadata.yaml'}`" in note and "delete it" not in note
    assert "sudo" not in note  # this user's own file, as the data files say it


def test_an_unreadable_episode_names_it_and_its_permissions(tmp_path, episode, deny):
    frames, states = episode
    path = tmp_path / "e.npz"
    np.savez(path, observations=frames[None], states=states[None].astype(np.float32))
    deny(path)
    with pytest.raises(ValueError) as caught:
        read_episode_arrays(path)
    _assert_permission_line(str(caught.value).removeprefix("episode "), path)
    with pytest.raises(EpisodeError) as caught:  # train's loader: the same line
        load_segments(find_sources([tmp_path])[0], DataConfig(frames_per_clip=2))
    _assert_permission_line(str(caught.value).removeprefix("episode "), path)


def test_the_read_fix_is_this_users_own_chmod_or_the_owners(tmp_path, monkeypatch):
    """user54u: a file this user owns got "`chmod a+r F` as its owner (me), or `sudo chown`".

    Input: this user's file and folder; the same as another user's (another uid).
    """
    import pwd
    import shlex

    from vjepa_ros.path_advice import read_fix, unreadable

    folder = tmp_path / "my data"
    file = folder / "e.npz"
    folder.mkdir()
    file.write_bytes(b"x")
    assert read_fix(file) == f"let this user read it: `chmod u+r {shlex.quote(str(file))}`"
    assert read_fix(folder) == f"let this user read it: `chmod -R u+rX {shlex.quote(str(folder))}`"
    assert unreadable(file).endswith(read_fix(file))
    owner = pwd.getpwuid(os.getuid()).pw_name
    monkeypatch.setattr(os, "getuid", lambda: os.stat(file).st_uid + 1)  # another user
    assert read_fix(file).startswith(
        f"let this user read it: `chmod a+r {shlex.quote(str(file))}` as its owner ({owner}), "
        "or `sudo chown ")
    assert "`chmod -R a+rX" in read_fix(folder)
    assert "`chmod u+r" not in unreadable(file) and "as its owner" in unreadable(file)


MODE_000_RUN = r"""
import subprocess, sys
from vjepa_ros.recordings.episode_file import read_episode_arrays
try:
    read_episode_arrays(sys.argv[1])
    print("read before")
except ValueError as exc:
    print(exc)
    subprocess.run(str(exc).rsplit("`", 2)[1], shell=True, check=True)  # the advice, pasted
    read_episode_arrays(sys.argv[1])
    print("read after")
"""


def test_mode_000_on_ones_own_episode_is_mended_by_the_advice_pasted(tmp_path, episode):
    """A real mode-000 file of this user's (root without its DAC rights): the chmod works."""
    from unreadable_runs import _without_read_rights
    frames, states = episode
    path = tmp_path / "own.npz"
    np.savez(path, observations=frames[None], states=states[None].astype(np.float32))
    path.chmod(0)
    done = _without_read_rights([str(path)], MODE_000_RUN)
    assert done.returncode == 0, done.stderr[-2000:]
    said, result = done.stdout.strip().splitlines()[-2:]
    assert said == (f"episode {path} cannot be read by this user (Permission denied): let this "
                    f"user read it: `chmod u+r {path}`")
    assert result == "read after"
