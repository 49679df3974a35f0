"""The train/validation split follows the data's content, not where it lies (breaker33t).

A resumed run takes its split from latest.pt (``held_out``); a new run draws it over the
sources ranked by their digests, so the same files elsewhere give the same split.
"""

import json
import shutil

import pytest

from vjepa_ros.cli import main
from vjepa_ros.train.episode_split import split_sources
from vjepa_ros.train.episodes import find_sources
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return write_tiny_encoder(tmp_path_factory.mktemp("split") / "encoder.pt")


def _argv(encoder, out, data, *more):
    return ["train", "--data", *map(str, data), "--out", str(out), "--encoder", str(encoder),
            "--batch-size", "2", "--frames-per-clip", "4", "--predictor-dim", "16", "--depth",
            "1", "--heads", "2", "--quiet", "--threads", "1", "--val-fraction", "0.34", *more]


def _split(out):
    info = json.loads((out / "log.json").read_text())["info"]
    return sorted(info["train"]["names"]), sorted(info["val"]["names"])


def _days(root):
    write_blob_episodes(root / "day_a", 3, frames=8, seed=0)
    write_blob_episodes(root / "day_b", 3, frames=8, seed=10)
    return [root / "day_a", root / "day_b"]


def test_the_same_data_elsewhere_is_split_alike_in_a_new_run(encoder, tmp_path):
    days = _days(tmp_path / "data")
    assert main(_argv(encoder, tmp_path / "one", days, "--steps", "1")) == 0
    moved = [tmp_path / "zz" / "b_day", tmp_path / "aa" / "z_day"]  # the order of paths flips
    for day, new in zip(days, moved, strict=True):
        shutil.copytree(day, new)
    assert main(_argv(encoder, tmp_path / "two", moved, "--steps", "1")) == 0
    assert _split(tmp_path / "two") == _split(tmp_path / "one")


def test_a_resume_with_both_folders_moved_and_renamed_keeps_the_split(encoder, tmp_path):
    days = _days(tmp_path / "data")
    out = tmp_path / "run"
    assert main(_argv(encoder, out, days, "--steps", "2")) == 0
    before = _split(out)
    moved = [tmp_path / "zz" / "later", tmp_path / "aa" / "earlier"]
    for day, new in zip(days, moved, strict=True):
        new.parent.mkdir()
        day.rename(new)
    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--quiet", "--data",
                 *map(str, moved)]) == 0
    assert _split(out) == before


def test_a_resume_takes_the_stored_split_without_drawing_it(encoder, tmp_path, monkeypatch):
    from vjepa_ros.train import data_banks

    days = _days(tmp_path / "data")
    out = tmp_path / "run"
    assert main(_argv(encoder, out, days, "--steps", "2")) == 0
    before = _split(out)

    def drawn(sources, fraction, seed, *more, **kwargs):
        assert not more and not kwargs, "a resumed run's stored split was drawn again"
        return split_sources(sources, fraction, seed)  # the check for a lone source

    monkeypatch.setattr(data_banks, "split_sources", drawn)
    assert main(["train", "--out", str(out), "--resume", "--steps", "3", "--quiet"]) == 0
    assert _split(out) == before


def test_split_by_keys_ignores_the_paths_and_stays_deterministic(tmp_path):
    paths = write_blob_episodes(tmp_path / "a", 6, frames=8)
    sources = find_sources(paths)
    keys = {s: f"v2:{i * 7 % 6}" for i, s in enumerate(sources)}
    frames = dict.fromkeys(sources, 8)
    train, val = split_sources(sources, 0.34, 3, frames=frames, keys=keys)
    assert (train, val) == split_sources(sources, 0.34, 3, frames=frames, keys=keys)
    reversed_sources = sources[::-1]  # other paths sort the other way: the same split
    again = split_sources(reversed_sources, 0.34, 3, frames=frames, keys=keys)
    assert sorted(s.name for s in again[1]) == sorted(s.name for s in val)
