"""Session 51's mends: a file given twice under two names runs once (``distinct_files``).

``input_paths.distinct_files`` (moved from ``path_text``, mend52b).
Happened: ``bench_manipulation.py --checkpoint ./x.pt --checkpoint ../repo/x.pt`` (or a symlink
to it) loaded and ran the one model twice, as two agents; ``bench_camera_verdict.py --rows`` given
one file twice scored its rows twice. Should: one run per file, and a note naming the repeat.
"""

import json

import pytest
from test_bench_camera_verdict import _row

from benchmarks import bench_camera_verdict as bench  # repository root on sys.path: conftest
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.input_paths import distinct_files


def test_one_file_under_two_names_is_kept_once(tmp_path, monkeypatch):
    (tmp_path / "repo").mkdir()
    model = tmp_path / "repo" / "x.pt"
    model.write_bytes(b"")
    (tmp_path / "link.pt").symlink_to(model)
    monkeypatch.chdir(tmp_path / "repo")
    notes = []
    kept = distinct_files(["./x.pt", "../repo/x.pt", str(tmp_path / "link.pt"), "demo", "demo",
                           "gone.pt", "./gone.pt"], "--checkpoint", notes.append)
    assert kept == ["./x.pt", "demo", "gone.pt", "./gone.pt"]  # a missing file: its loader's
    assert notes == ["# note: --checkpoint ../repo/x.pt names the same file as ./x.pt: run once",
                     f"# note: --checkpoint {tmp_path / 'link.pt'} names the same file as "
                     "./x.pt: run once",
                     "# note: --checkpoint demo names the same file as demo: run once"]



def test_demo_and_the_packaged_file_it_names_are_one(tmp_path, monkeypatch):
    """mend52b: ``--checkpoint demo --checkpoint .../demo_world_model.pt`` ran the model twice."""
    from vjepa_ros.sim import reach_config

    packaged = tmp_path / "data" / "demo_world_model.pt"
    packaged.parent.mkdir()
    packaged.write_bytes(b"")
    monkeypatch.setattr(reach_config, "demo_model_path", lambda: packaged)
    notes = []
    kept = distinct_files(["demo", str(packaged), "Demo"], "--checkpoint", notes.append,
                          keywords=("demo",))
    assert kept == ["demo", "Demo"]  # "Demo": world_model_path refuses its spelling later
    assert notes == [f"# note: --checkpoint {packaged} names the same file as demo: run once"]
    # without the keyword (--rows, --encoder) "demo" is only a name: the file stays
    assert distinct_files(["demo", str(packaged)], "--rows", notes.append) == ["demo",
                                                                              str(packaged)]
    packaged.unlink()  # not installed: "demo" is one only with "demo"
    assert distinct_files(["demo", str(packaged), "demo"], "--checkpoint", notes.append,
                          keywords=("demo",)) == ["demo", str(packaged)]


def test_a_keyword_without_a_packaged_file_is_the_callers_mistake_whatever_is_given():
    """mend53b: it raised only when a user happened to give the keyword; now on every call."""
    for specs in ([], ["x.pt"], ["best"]):
        with pytest.raises(ValueError, match="no packaged file for the keyword.*'best'.*demo"):
            distinct_files(specs, "--checkpoint", keywords=("demo", "best"))


def test_a_rows_file_given_twice_is_scored_once(tmp_path, capsys, monkeypatch):
    import numpy as np

    axis = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]])
    path = tmp_path / "rows.json"
    path.write_text(json.dumps({"seeds": [900000],
                                "rows": [_row("default", axis * 1.1, Verdict.FINE, (8, 8, 8))]}))
    monkeypatch.chdir(tmp_path)
    bench.main(["--rows", "rows.json", str(path)])
    out = capsys.readouterr().out
    assert f"--rows {path} names the same file as rows.json: run once" in out
    assert "(1 row from 1 file)" in out, out
