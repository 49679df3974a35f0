"""A full disk while train writes: one line naming the file and the fix, latest.pt kept.

breaker33t: torch's raw '[enforce fail at inline_container.cc...] unexpected pos' at the save of
latest.pt, a bare '[Errno 28] No space left on device' from the feature cache.
"""

import errno
import os

import pytest
import torch

from vjepa_ros.cli import main
from vjepa_ros.disk_full import DiskFullError, is_disk_full, writing
from vjepa_ros.train.synthetic import write_blob_episodes, write_tiny_encoder

pytestmark = pytest.mark.usefixtures("one_thread")

TORCH_SHORT = "[enforce fail at inline_container.cc:672] . unexpected pos 13312 vs 13206"


def _torch_short(code=errno.ENOSPC):
    """Return torch's error for a short write to a Python file: the file's OSError its context."""
    try:
        raise OSError(code, os.strerror(code))
    except OSError:
        try:
            raise RuntimeError(TORCH_SHORT)  # noqa: B904 - as torch raises it: a context
        except RuntimeError as exc:
            return exc


@pytest.fixture(scope="module")
def encoder(tmp_path_factory):
    return write_tiny_encoder(tmp_path_factory.mktemp("full") / "encoder.pt")


def _argv(encoder, tmp_path, *more):
    episodes = tmp_path / "eps"
    if not episodes.is_dir():
        write_blob_episodes(episodes, 3, frames=8)
    return ["train", "--data", str(episodes), "--out", str(tmp_path / "run"), "--encoder",
            str(encoder), "--batch-size", "2", "--frames-per-clip", "4", "--predictor-dim",
            "16", "--depth", "1", "--heads", "2", "--quiet", "--threads", "1", *more]


def _full_at(monkeypatch, name, error):
    save = torch.save

    def full(payload, file, *args, **kwargs):
        if name in str(file):
            raise error
        return save(payload, file, *args, **kwargs)

    monkeypatch.setattr(torch, "save", full)


@pytest.mark.parametrize("error", [_torch_short(),
                                   OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)),
                                   OSError(errno.EDQUOT, os.strerror(errno.EDQUOT))])
def test_a_full_disk_at_a_later_save_keeps_the_last_latest(encoder, tmp_path, monkeypatch,
                                                           capsys, error):
    assert main(_argv(encoder, tmp_path, "--steps", "2", "--save-every", "1")) == 0
    kept = (tmp_path / "run" / "latest.pt").read_bytes()
    _full_at(monkeypatch, "latest", error)
    capsys.readouterr()
    assert main(["train", "--out", str(tmp_path / "run"), "--resume", "--steps", "4",
                 "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "latest.pt" in err and "full" in err, err
    assert "still holds step 2" in err and "another disk" in err, err
    assert (tmp_path / "run" / "latest.pt").read_bytes() == kept


def test_a_full_disk_at_the_export_names_world_model(encoder, tmp_path, monkeypatch, capsys):
    _full_at(monkeypatch, "world_model", _torch_short())
    assert main(_argv(encoder, tmp_path, "--steps", "1")) == 1
    err = capsys.readouterr().err.strip()
    assert "world_model.pt" in err and "full" in err and "still holds step 1" in err, err


def test_a_full_disk_at_a_cache_shard_names_the_cache(encoder, tmp_path, monkeypatch, capsys):
    _full_at(monkeypatch, "shards", _torch_short())
    cache = tmp_path / "cache"
    assert main(_argv(encoder, tmp_path, "--steps", "1", "--feature-cache", str(cache))) == 1
    err = capsys.readouterr().err.strip()
    assert f"feature cache {cache}" in err and "--feature-cache DIR" in err, err


def test_other_write_errors_pass_unchanged(tmp_path, monkeypatch):
    for error in (RuntimeError("CUDA error"), OSError(errno.EACCES, "Permission denied")):
        assert not is_disk_full(error)
        with pytest.raises(type(error)) as raised, writing(tmp_path / "x", "fix"):
            raise error
        assert raised.value is error
    import vjepa_ros.disk_full as disk_full

    monkeypatch.setattr(disk_full, "_free_bytes", lambda folder: 5 * 2**20)  # as when full
    with pytest.raises(DiskFullError, match="x.bin: no space left"), \
            writing(tmp_path / "x.bin", "free space"):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_a_new_run_is_refused_where_a_world_model_lies(encoder, tmp_path, capsys):
    argv = _argv(encoder, tmp_path, "--steps", "1")
    assert main(argv) == 0
    for name in ("latest.pt", "log.json", "loss.png"):
        (tmp_path / "run" / name).unlink()  # the model alone kept, as a lab archives it
    model = (tmp_path / "run" / "world_model.pt").read_bytes()
    capsys.readouterr()
    assert main([*argv, "--steps", "2"]) == 1
    err = capsys.readouterr().err
    assert "world_model.pt" in err and "--init" in err
    assert (tmp_path / "run" / "world_model.pt").read_bytes() == model
    (tmp_path / "run" / "world_model.pt").unlink()
    assert main(argv) == 0  # the other files of a run alone do not hold a model: a new run
