"""No command writes into the recordings it reads, however the output or the data is named.

``train --out`` inside a bag given through its data file, ``--feature-cache`` inside the data,
``pretrain --out x.mcap`` (or any encoder file) among the data, and ``eval .`` /
``camera-check .`` run inside a bag (their default ``./eval_<bag>`` lies in it) all wrote there;
each is now one line naming both paths (``train.out_check``), and nothing is written.
"""

import shutil

import pytest

from vjepa_ros.cli import main
from vjepa_ros.recordings.bag_writing import write_bag
from vjepa_ros.train.synthetic import blob_episode, write_blob_episodes


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("among")
    write_blob_episodes(root / "episodes", 2, frames=6, seed=10)
    episode = blob_episode(frames=6, seed=3)
    write_bag(root / "bag", episode.frames, episode.states, episode.timestamps)
    return root


@pytest.fixture
def here(data, tmp_path):
    """Copy the data: ``episodes/`` (two .npz) and ``bag/`` (metadata.yaml, one .mcap)."""
    shutil.copytree(data, tmp_path / "data")
    return tmp_path / "data"


def _refused(capsys, argv) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    return err.split(": ", 1)[1].strip()  # after "vjepa-ros COMMAND: "


def _train(data, out, *more):
    return ["train", "--data", str(data), "--out", str(out), "--encoder", "demo", "--steps", "1",
            "--quiet", *more]


def test_train_out_inside_a_bag_given_through_its_data_file(here, capsys):
    data_file = next((here / "bag").glob("*.mcap"))
    before = sorted(here.rglob("*"))
    text = _refused(capsys, _train(data_file, here / "bag" / "run"))
    assert text == (f"--out {here / 'bag' / 'run'} lies inside the rosbag2 bag {here / 'bag'}: "
                    "the run would write its files into the recording; give an --out outside "
                    "the data")
    (here / "bag" / "metadata.yaml").unlink()  # a killed recorder's folder: its data file's
    text = _refused(capsys, _train(data_file, here / "bag" / "run"))
    assert text.startswith(f"--out {here / 'bag' / 'run'} lies inside the recording folder of "
                           f"--data {data_file}: ")
    assert sorted(here.rglob("*")) == [p for p in before if p.name != "metadata.yaml"]


def test_a_feature_cache_inside_the_data_is_refused_as_an_out_is(here, tmp_path, capsys):
    cache = here / "episodes" / "cache"
    text = _refused(capsys, _train(here / "episodes", tmp_path / "run", "--feature-cache",
                                   str(cache)))
    assert text == (f"--feature-cache {cache} lies inside the data folder --data "
                    f"{here / 'episodes'}: the run would write its files among the episodes; "
                    "give a --feature-cache outside the data")
    assert not cache.exists() and not (tmp_path / "run").exists()


@pytest.mark.parametrize("name", ["x.mcap", "enc.pt"])
def test_pretrain_out_among_the_data_or_named_like_a_recording(here, tmp_path, capsys, name):
    out = here / "episodes" / name
    before = sorted((here / "episodes").iterdir())
    text = _refused(capsys, ["pretrain", "--data", str(here / "episodes"), "--out", str(out),
                             "--steps", "0"])
    if name == "x.mcap":
        assert text == (f"--out {out} is named like a recording (.mcap): a later --data search "
                        "of its folder would read it as one; give a name ending in .pt")
        elsewhere = tmp_path / "x.mcap"  # outside the data too: the next search would read it
        text = _refused(capsys, ["pretrain", "--data", str(here / "episodes"), "--out",
                                 str(elsewhere), "--steps", "0"])
        assert text.startswith(f"--out {elsewhere} is named like a recording (.mcap)")
    else:
        assert text == (f"--out {out} lies inside the data folder --data {here / 'episodes'}: "
                        "pretraining would write its files among the episodes; give an --out "
                        "outside the data")
    assert sorted((here / "episodes").iterdir()) == before


@pytest.mark.parametrize("command, prefix", [("eval", "eval"), ("camera-check", "camera_check")])
def test_eval_and_camera_check_of_dot_inside_a_bag_write_nothing_into_it(
        here, capsys, monkeypatch, command, prefix):
    monkeypatch.chdir(here / "bag")
    before = sorted((here / "bag").iterdir())
    text = _refused(capsys, [command, ".", "--checkpoint", "demo"])
    assert text == (f"--out {prefix}_bag lies inside the rosbag2 bag {here / 'bag'}: "
                    f"{command} would write its files into the recording; give an --out "
                    "outside the data")
    assert sorted((here / "bag").iterdir()) == before
