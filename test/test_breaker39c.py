"""Breaker39c: the last fixes (a stamp's last frame, the byte-for-byte packer, RoPE heads).

Each test fails on the code it was written against (strict xfail) and asserts what should happen;
the reason says what went wrong. ROS-free, CPU, seconds each.
"""

import io
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from test_breaker39 import blobs

from benchmarks import device_pack


def _npy(array) -> bytes:
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
    return buffer.getvalue()


def _episode_zip(path: Path, members: dict[str, bytes]) -> Path:
    """Write an episode as another tool than numpy would (zipfile, member by member)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _arrays():
    from vjepa_ros.train.synthetic import blob_episode

    episode = blob_episode(8, 0, 32)
    return {"observations": episode.frames, "states": episode.states,
            "timestamps": episode.timestamps}


def _train_reads(folder: Path):
    from vjepa_ros.train.config import DataConfig
    from vjepa_ros.train.episodes import find_sources, load_segments

    return [segment for source in find_sources([folder])
            for segment in load_segments(source, DataConfig(frames_per_clip=2))[0]]


def test_the_packer_packs_an_episode_whose_members_lack_the_npy_suffix(tmp_path):
    arrays = _arrays()
    folder = tmp_path / "eps"
    _episode_zip(folder / "ep.npz", {"observations": _npy(arrays["observations"]),
                                     "states.npy": _npy(arrays["states"]),
                                     "timestamps.npy": _npy(arrays["timestamps"])})
    original = _train_reads(folder)
    assert [len(segment) for segment in original] == [8]  # train reads it
    out = tmp_path / "p.tar.xz"
    try:
        device_pack.main(["--out", str(out), str(folder)])
    except (SystemExit, ValueError) as exc:
        pytest.fail(f"refused an episode train reads: {exc}")
    unpacked = tmp_path / "unpacked"
    with tarfile.open(out) as tar:
        tar.extractall(unpacked, filter="data")
    (segment,) = _train_reads(unpacked / "eps")
    np.testing.assert_array_equal(segment.frames, original[0].frames)
    np.testing.assert_array_equal(segment.states, original[0].states)


def test_the_packer_refuses_an_episode_whose_frames_are_cut_short(tmp_path, capsys):
    from vjepa_ros.train.episodes import EpisodeError

    arrays = _arrays()
    frames = _npy(arrays["observations"])
    folder = tmp_path / "eps"
    _episode_zip(folder / "ep.npz", {"observations.npy": frames[:-4 * 32 * 32 * 3],
                                     "states.npy": _npy(arrays["states"]),
                                     "timestamps.npy": _npy(arrays["timestamps"])})
    with pytest.raises(EpisodeError, match="EOF"):
        _train_reads(folder)  # train refuses it
    out = tmp_path / "p.tar.xz"
    with pytest.raises((SystemExit, ValueError), match="ep.npz"):
        device_pack.main(["--out", str(out), str(folder)])
    assert not out.exists()


@pytest.mark.parametrize("how", ["options", "yaml"])
def test_a_predictor_narrower_than_one_rope_head_is_refused_by_name(tmp_path, capsys, how):
    from vjepa_ros.cli import main

    data = blobs(tmp_path / "eps", 3)
    argv = ["train", "--data", str(data), "--out", str(tmp_path / "out"), "--encoder", "demo",
            "--steps", "1", "--device", "cpu"]
    if how == "options":
        argv += ["--predictor-dim", "4", "--heads", "1"]
        name = "--predictor-dim"
    else:
        config = tmp_path / "train.yaml"
        config.write_text("predictor:\n  embed_dim: 5\n  num_heads: 1\n")
        argv += ["--config", str(config)]
        name = "predictor.embed_dim"
    code = main(argv)
    err = capsys.readouterr().err
    assert code != 0
    assert "max()" not in err and name in err and "6" in err, err
