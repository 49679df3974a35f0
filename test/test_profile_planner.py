"""benchmarks/profile_planner.py on the CPU (--tiny): profile and backend rows, as measured."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def profiler():
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        spec = importlib.util.spec_from_file_location(
            "profile_planner", ROOT / "benchmarks" / "profile_planner.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))


def test_tiny_profile_and_backends_are_reported(profiler, tmp_path):
    assert profiler.main(["--tiny", "--rows", "5", "--out", str(tmp_path),
                          "--parts", "profile", "sdpa"]) == 0
    report = (tmp_path / "profile_planner.txt").read_text()
    assert "tiny float32 on cpu" in report and "S16 H1 I2 k4" in report
    assert "operators by self_cpu_time_total" in report
    assert "aten::addmm" in report  # the predictor's linear layers were profiled
    assert "sdpa default:" in report
    for backend in ("FLASH_ATTENTION", "EFFICIENT_ATTENTION", "CUDNN_ATTENTION", "MATH"):
        assert f"sdpa {backend}:" in report  # a time, a refusal or "not in this torch"
    assert "compile:" not in report  # not asked for


def test_bad_rows_refused(profiler, capsys):
    with pytest.raises(SystemExit) as exit_info:
        profiler.main(["--tiny", "--rows", "0"])
    assert exit_info.value.code == 2
    assert "--rows 0: give a positive count" in capsys.readouterr().err
