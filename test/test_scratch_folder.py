"""A run's scratch folder is removed at its end but for what it keeps (``scratch_folder``)."""

import pytest

from vjepa_ros.scratch_folder import ScratchFolder


def test_the_folder_goes_at_the_end_also_when_stopped(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))  # as TMPDIR=tmp_path
    with ScratchFolder("bench_") as scratch:
        (scratch.path / "model.pt").write_bytes(b"weights")
        assert scratch.path.parent == tmp_path and scratch.path.name.startswith("bench_")
    with pytest.raises(KeyboardInterrupt), ScratchFolder("bench_") as scratch:
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with ScratchFolder("bench_", keep=True) as kept:  # --keep: all of it stays
        (kept.path / "model.pt").write_bytes(b"weights")
    assert [p.name for p in kept.path.iterdir()] == ["model.pt"]


def test_a_log_a_failure_names_is_kept_also_in_the_callers_folder(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    outer = ScratchFolder("check_", parent=None)
    inner = ScratchFolder("run_", parent=outer)
    log = inner.keep(inner.path / "planner.log")
    log.write_text("the node's last words")
    (inner.path / "model.pt").write_bytes(b"weights")
    (outer.path / "camera_check").mkdir()
    inner.remove()
    outer.remove()
    outer.remove()  # twice: nothing more
    assert log.read_text() == "the node's last words"
    assert sorted(p.relative_to(outer.path) for p in outer.path.rglob("*")) == [
        inner.path.relative_to(outer.path), log.relative_to(outer.path)]
    inner.remove()
