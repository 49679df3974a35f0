"""benchmarks/bench_predictor_sizes.py: the demo's predictor and another size, one plan each."""

import pytest

from benchmarks import bench_predictor_sizes as bench  # repository root on sys.path: conftest


def test_rows_give_the_sizes_parameters_file_and_time_against_the_first(capsys):
    assert bench.main(["--sizes", "192x4x4", "96x2x2", "--repeats", "1", "--samples", "10",
                       "--iterations", "1", "--threads", "1"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()
            if line.strip().startswith(("192x", "96x"))]
    assert [row[0] for row in rows] == ["192x4x4", "96x2x2"]
    assert rows[0][1] == "1.86" and rows[0][2] == "7.9"  # the packaged demo model's sizes
    assert rows[0][4] == "1.00" and float(rows[1][1]) < 1.86 and float(rows[1][2]) < 7.9


@pytest.mark.parametrize("text", ["abc", "192x4", "0x4x4", "100x2x3", "192x4x4x1"])
def test_a_size_that_is_not_width_depth_heads_is_refused(text):
    with pytest.raises(ValueError, match="--sizes"):
        bench.predictor_size(text)
    assert bench.predictor_size("256X6x4") == (256, 6, 4)
