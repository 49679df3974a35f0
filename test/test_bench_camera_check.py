"""benchmarks/bench_camera_check.py: its option checks and one real row (oracle, one goal)."""

import sys

import numpy as np
import pytest

from benchmarks import bench_camera_check as bench  # repository root on sys.path: conftest
from benchmarks.camera_check_rows import check_row
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
from vjepa_ros.sim import Sim
from vjepa_ros.sim.oracle import OracleWorldModel
from vjepa_ros.sim.reach import reach_sim_config
from vjepa_ros.sim.reach_config import HELD_OUT_SEED_START, load_reach_config

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest


@pytest.mark.parametrize("argv, message", [
    (["--reach-with-yaw"], "--reach-with-yaw: does not apply without --checkpoint"),
    (["--checkpoint", "demo", "--reach-with-yaw", "--no-reach"],
     "--reach-with-yaw: reaches, which --no-reach turns off"),
    (["--placement", "45", "15"], "--placement: does not apply without --checkpoint"),
    (["--checkpoint", "demo", "--yaw", "30"], "--yaw: does not apply to --checkpoint"),
    (["--checkpoint", "demo", "--placement", "0", "-60"], "--placement 0 -60"),
    (["--goals", "0"], "--goals 0: must be >= 1"),
    (["--yaw", "0", "nan"], "--yaw nan: give finite angles [deg]"),
    (["--tilt", "0", "inf", "0"], "--tilt 0 inf 0: give finite angles [deg]"),
    # the node's rule and words (camera_check_motions.step_problem), the option named
    (["--distance", "5"], "error: --distance (5 m) must be at most safety.max_step_m (0.1 m): "
     "each check motion is one step; give at most 0.1 (run"),
    (["--distance", "nan"], "error: --distance must lie in (0, 0.2], got nan (run"),
    (["--max-scale", "0.5"], "--max-scale must lie in (1, 100], got 0.5"),
    # the verdict thresholds of `vjepa-ros camera-check` (eval/camera_check_options.py)
    (["--fine-deg", "200"], "--fine-deg must be an angle in (0, 180) deg"),
    (["--max-residual-deg", "0"], "--max-residual-deg must be an angle in (0, 180) deg"),
    (["--min-scale", "2"], "--min-scale must be a fraction"),
    (["--min-explained", "0"], "--min-explained must be a fraction"),
    (["--confidence", "1"], "--confidence must be a probability in (0, 1)"),
    (["--min-motion", "0.05"], "--min-motion (0.05 m) must be below --distance (0.04 m)"),
])
def test_bad_options_are_refused_in_one_line(monkeypatch, capsys, argv, message):
    monkeypatch.setattr(sys, "argv", ["bench_camera_check.py", *argv])
    with pytest.raises(SystemExit) as exc:
        bench.main()
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_a_distance_the_start_does_not_fit_ends_in_one_line_naming_it(monkeypatch, capsys):
    """--distance 0.08 is one step, but from the reach start (x 0.31 m) -x leaves the box.

    The session's refusal is a ValueError, a user error ``run_script`` ends in one line (it was
    a RuntimeError the script caught itself, naming camera_check.motion.distance_m).
    """
    import runpy
    from pathlib import Path

    script = str(Path(bench.__file__))
    monkeypatch.setattr(sys, "argv", [script, "--distance", "0.08", "--no-corners", "--goals",
                                      "1", "--yaw", "0", "--no-reach"])
    monkeypatch.setattr(sys, "path", list(sys.path))  # the script puts the repository first
    with pytest.raises(SystemExit) as exc:
        runpy.run_path(script, run_name="__main__")
    assert exc.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("bench_camera_check.py: ~/camera_check refused: the -x motion of "
                          "0.080 m from [0.307, ") and "\n" not in err, err
    assert err.endswith("too near the workspace box's edge; move the arm nearer the workspace "
                        "centre or lower --distance"), err


@pytest.mark.parametrize("placement, message", [
    (["0", "-60"], "--placement 0 -60: EL must be in (-21.3, 85.0) deg (above the table, off the "
     "vertical; see vjepa_ros/sim/camera_orbit.py)"),
    (["30", "89.5"], "--placement 30 89.5: EL must be in (-21.3, 85.0) deg"),
    (["nan", "10"], "--placement nan 10: give two finite angles [deg]"),
])
def test_a_refused_placement_is_one_short_line(monkeypatch, capsys, placement, message):
    monkeypatch.setattr(sys, "argv", ["bench_camera_check.py", "--checkpoint", "demo",
                                      "--placement", *placement])
    with pytest.raises(SystemExit):
        bench.main()
    line = capsys.readouterr().err.splitlines()[-1]
    hint = " (run bench_camera_check.py --help for its options)"  # cli_parser's, on every error
    assert line.endswith(hint), line
    body = line[:-len(hint)]
    assert body.startswith(f"bench_camera_check.py: error: {message}") and len(body) < 160, line


def test_a_row_reaches_with_the_checks_yaw_where_uncorrected_fails():
    """Reach corrected by the check's yaw alone succeeds where the uncorrected reach fails.

    An oracle whose frame is turned 90° about z; the row also keeps the check's motions. The
    oracle knows frames by their pixels, not what they show: a 64 px camera without shadows
    (the live-check tests' size) instead of the demo's 128 px renders.
    """
    config = load_reach_config(None, {"sim.width": 64, "sim.height": 64, "sim.shadows": False})
    seeds = [HELD_OUT_SEED_START]
    with Sim(reach_sim_config(seeds[0], config.sim)) as sim:
        model = OracleWorldModel(model_frame_rpy_deg=(0.0, 0.0, 90.0)).attach(sim)
        row = check_row(sim, model, seeds, config, CheckMotionConfig(corners=False),
                              no_reach=False, reach_with_yaw=True,
                              thresholds=CheckThresholds(fine_deg=120.0))
    assert abs(row["yaw_deg"] - 90.0) < 2.0
    assert row["verdict"] == "placement fine"  # the 90° estimate within the given fine_deg
    assert row["corrected"] == row["uncorrected"]  # a fine placement is not corrected
    assert row["uncorrected"]["successes"] == 0
    assert row["yaw_corrected"]["successes"] == 1
    executed, inferred = np.array(row["executed"]), np.array(row["inferred"])
    assert executed.shape == inferred.shape == (6, 3)
    # the oracle's inferred motions are the executed ones turned by +90° about z: (x, y) -> (-y, x)
    np.testing.assert_allclose(inferred[:, :2], np.stack([-executed[:, 1], executed[:, 0]], 1),
                               atol=0.012)
    assert row["commands_in_box"] and row["farthest_command_m"] <= 0.04 + 1e-9
