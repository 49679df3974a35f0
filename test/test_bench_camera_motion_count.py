"""benchmarks/bench_camera_motion_count.py: the cuts of a 26-motion run, on synthetic runs."""

import json

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from benchmarks import bench_camera_motion_count as bench  # repository root on sys.path: conftest
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.robot.camera_check_motions import motion_directions


def _run(rotation, noise_deg=0.0, seed=0, diagonals=True):
    pairs = motion_directions(diagonals=diagonals, corners=True)
    rng = np.random.default_rng(seed)
    executed = 0.04 * np.array([d for _, d in pairs])
    inferred = rotation.apply(executed)
    if noise_deg:
        turn = rng.normal(scale=np.radians(noise_deg), size=inferred.shape)
        inferred = Rotation.from_rotvec(turn).apply(inferred)
    order = rng.permutation(len(pairs))  # the cuts go by label, not by position
    return {"placement": "synthetic", "distance_m": 0.04,
            "labels": [pairs[k][0] for k in order], "executed": executed[order].tolist(),
            "inferred": inferred[order].tolist(), "explained": [0.9] * len(pairs),
            "arm_s": 2.0 * len(pairs), "inference_s": 1.0 * len(pairs)}


def test_each_cut_estimates_from_its_own_motions_and_prorates_the_time():
    truth = Rotation.from_euler("xyz", [5, -10, 40], degrees=True)
    rows = bench.cut_rows(_run(truth))
    assert [r["motions"] for r in rows] == [6, 14, 18, 26]
    for row in rows:
        assert row["angle_deg"] == pytest.approx(np.degrees(truth.magnitude()), abs=1e-6)
        assert row["verdict"] == Verdict.ROTATE and row["p_value"] < 1e-6
        assert row["arm_s"] == pytest.approx(2.0 * row["motions"])
        assert row["inference_s"] == pytest.approx(row["motions"])


def test_more_motions_of_a_noisy_model_narrow_the_bound():
    rows = bench.cut_rows(_run(Rotation.identity(), noise_deg=15.0, seed=3))
    bounds = {r["motions"]: r["bound_deg"] for r in rows}
    assert bounds[26] < bounds[14] < bounds[6]
    assert all(r["verdict"] == Verdict.FINE for r in rows)


def test_a_run_without_diagonals_gives_only_its_cuts_and_a_bad_run_is_named():
    rows = bench.cut_rows(_run(Rotation.identity(), diagonals=False))
    assert [r["motions"] for r in rows] == [6, 14]
    run = _run(Rotation.identity())
    del run["explained"]
    with pytest.raises(ValueError, match="synthetic: no 'explained'"):
        bench.cut_rows(run)


def test_rows_print_and_bad_options_are_one_line(tmp_path, capsys):
    path = tmp_path / "runs.json"
    path.write_text(json.dumps({"runs": [_run(Rotation.from_euler("z", 30, degrees=True))]}))
    assert bench.main(["--rows", str(path)]) == 0
    out = capsys.readouterr().out
    assert "synthetic" in out and " 26  30.0°" in out and "correct by rotation" in out
    for argv, message in ((["--rows", str(path), "--checkpoint", "x.pt"], "one of them"),
                          ([], "one of them"),
                          (["--rows", str(tmp_path / "none.json")], "not a bench_camera")):
        with pytest.raises(SystemExit):
            bench.main(argv)
        assert message in capsys.readouterr().err


@pytest.mark.parametrize("given, said", [
    ("0.3", "--distance must lie in (0, 0.2], got 0.3"),
    ("0", "--distance must lie in (0, 0.2], got 0.0"),
    ("nan", "--distance must lie in (0, 0.2], got nan"),
    ("0.15", "--distance (0.15 m) must be at most safety.max_step_m (0.1 m): each check motion "
             "is one step; give at most 0.1"),
])
def test_a_distance_the_check_refuses_is_said_as_the_option_before_the_model_loads(
        tmp_path, capsys, given, said):
    """mend62e: ``--distance`` refused as the option, before the model loads.

    The range's words were patched (``str.replace``) into ``--distance``; a motion longer than
    one safety step (in range) ran the simulator and ended naming the node's
    ``camera_check.motion.distance_m`` after the model loaded. Both are one usage line now,
    naming the option, before the (missing) checkpoint is looked at.
    """
    with pytest.raises(SystemExit) as stopped:
        bench.main(["--checkpoint", str(tmp_path / "none.pt"), "--distance", "0.04", given])
    err = capsys.readouterr().err
    assert stopped.value.code == 2 and f"error: {said} (run " in err, err
    assert "camera_check.motion" not in err and "none.pt" not in err
