"""Camera check: rotation estimation on synthetic motions, verdicts, reports, parameter file."""

import dataclasses
import json
import math
import shutil

import numpy as np
import pytest
import yaml
from scipy.spatial.transform import Rotation

from vjepa_ros.config import read_ros_params
from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_inference import explained_share
from vjepa_ros.eval.camera_check_report import (
    PARAMS_FILE,
    base_planner_params,
    summary_lines,
    write_check,
)
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_rotation import estimate_rotation, estimate_yaw
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.robot.control_config import ControlConfig

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest

AXIS_MOTIONS = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1],
                                [0, 0, -1]], dtype=float)


def _noisy(motions, rotation, noise_deg, seed):
    """Inferred motions: rotate the executed ones, then turn each by a random noise_deg angle."""
    rng = np.random.default_rng(seed)
    axes = rng.normal(size=motions.shape)
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)
    noise = Rotation.from_rotvec(axes * np.radians(noise_deg))
    return noise.apply(rotation.apply(motions)) * rng.uniform(0.8, 1.2, (len(motions), 1))


def _random_motions(count, seed, planar=False):
    rng = np.random.default_rng(seed)
    motions = rng.normal(0, 0.03, (count, 3))
    if planar:
        motions[:, 2] = 0
    return motions


@pytest.mark.parametrize("rpy", [(0, 0, 0), (0, 0, 90), (0, 0, 180), (0, 0, -60),
                                 (20, 0, 30), (-15, 25, 135)])
@pytest.mark.parametrize("noise_deg", [0.0, 4.0])
def test_full_rotation_is_recovered_from_axis_and_random_motions(rpy, noise_deg):
    truth = Rotation.from_euler("xyz", rpy, degrees=True)
    executed = np.concatenate([AXIS_MOTIONS, _random_motions(10, seed=1)])
    inferred = _noisy(executed, truth, noise_deg, seed=2)
    error = np.degrees((estimate_rotation(executed, inferred) * truth.inv()).magnitude())
    assert error <= 0.01 + noise_deg / 2, f"rotation {rpy}: {error:.2f}° off"
    result = check_motions(executed, inferred)
    assert result.correction == ("full" if truth.magnitude() > math.radians(10) else "none")
    applied = Rotation.from_euler("xyz", result.correction_rpy_deg, degrees=True)
    if truth.magnitude() > math.radians(10):
        assert result.verdict == Verdict.ROTATE
        assert np.degrees((applied * truth.inv()).magnitude()) <= 0.01 + noise_deg / 2
        assert result.residual_deg["full"] < result.residual_deg["none"]
        least = 1.0 if noise_deg == 0 else 0.8  # noise flips a few small components
        assert all(v >= least for v in result.sign_agreement_corrected.values())
    else:
        assert result.verdict == Verdict.FINE and result.correction_rpy_deg == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("yaw", [0.0, 45.0, 90.0, 179.0, -120.0])
def test_closed_form_yaw_matches_and_planar_motions_get_a_yaw_correction(yaw):
    truth = Rotation.from_euler("z", yaw, degrees=True)
    executed = _random_motions(12, seed=3, planar=True)
    inferred = _noisy(executed, truth, 2.0, seed=4)
    estimated = math.degrees(estimate_yaw(executed, inferred))
    assert abs((estimated - yaw + 180) % 360 - 180) < 2.0
    result = check_motions(executed, inferred)
    assert result.correction == ("none" if abs(yaw) < 10 else "yaw")  # no z: no tilt estimate
    if result.correction == "yaw":
        assert result.correction_rpy_deg[:2] == pytest.approx([0, 0], abs=1e-9)
        assert abs((result.correction_rpy_deg[2] - yaw + 180) % 360 - 180) < 2.0


def test_180_degree_yaw_flips_the_x_and_y_agreement():
    truth = Rotation.from_euler("z", 180, degrees=True)
    result = check_motions(AXIS_MOTIONS, truth.apply(AXIS_MOTIONS))
    assert result.sign_agreement == {"x": 0.0, "y": 0.0, "z": 1.0}
    assert result.sign_agreement_corrected == {"x": 1.0, "y": 1.0, "z": 1.0}
    assert abs(abs(result.yaw_deg) - 180) < 1e-6 and result.residual_deg["none"] > 100


def test_a_model_blind_along_one_axis_or_barely_moving_says_move_the_camera():
    blind = AXIS_MOTIONS * np.array([1, 1, 0.02])  # no motion along z seen
    blind += np.random.default_rng(0).normal(0, 0.01, blind.shape) * np.array([0, 0, 1])
    result = check_motions(AXIS_MOTIONS, blind)
    assert result.verdict == Verdict.MOVE and "hardly sees the arm move along z" in \
        result.explanation
    assert result.axis_scale["z"] < 0.3 < result.axis_scale["x"]
    assert result.correction == "none" and result.correction_rpy_deg == [0.0, 0.0, 0.0]
    tiny = check_motions(AXIS_MOTIONS, AXIS_MOTIONS * 0.1)
    assert tiny.verdict == Verdict.MOVE and "10.0%" in tiny.explanation


def test_an_axis_whose_motion_the_model_cannot_explain_says_move_the_camera():
    """A blind model's free search axis may fit a rotation by chance; the energies tell."""
    lucky = AXIS_MOTIONS * np.array([1, 1, 0.4])  # z inferred shorter, but the right sign
    seen = np.array([0.97, 0.95, 0.96, 0.98, 0.9, 0.93])
    assert check_motions(AXIS_MOTIONS, lucky, explained=seen).verdict == Verdict.FINE
    blind = seen * np.array([1, 1, 1, 1, 0.02, 0.03])
    result = check_motions(AXIS_MOTIONS, lucky, explained=blind)
    assert result.verdict == Verdict.MOVE and "does not see the arm move along z" in \
        result.explanation
    assert result.explained["x"] == pytest.approx(0.96) and result.explained["z"] < 0.05
    assert check_motions(AXIS_MOTIONS, lucky).explained == {"x": None, "y": None, "z": None}
    np.testing.assert_allclose(explained_share([0.1, 2.0, 0.3], [1.0, 2.0, 0.0]), [0.9, 0, 0])


@pytest.mark.parametrize("above", [0.04, 0.3, 0.45])
def test_a_verdict_shows_the_compared_value_with_one_decimal(above):
    """RMS 25.4° against a 25° threshold must not print as "RMS 25°, threshold 25°"."""
    inferred = _noisy(AXIS_MOTIONS, Rotation.identity(), 30.0, seed=5)
    residual = check_motions(AXIS_MOTIONS, inferred).residual_deg["full"]
    threshold = round(residual - above, 2)
    result = check_motions(AXIS_MOTIONS, inferred, CheckThresholds(max_residual_deg=threshold))
    assert result.verdict == Verdict.MOVE
    assert f"RMS {residual:.1f}° after the best full rotation, threshold {threshold:g}°" in \
        result.explanation
    for scale, threshold in ((0.296, 0.3), (0.254, 0.255), (0.1, 0.3)):
        short = check_motions(AXIS_MOTIONS, AXIS_MOTIONS * scale,
                              CheckThresholds(min_scale=threshold))
        assert f"only {scale:.1%} of the executed motion's length (threshold " \
               f"{threshold * 100:g}%)" in short.explanation
    seen = np.array([0.9, 0.9, 0.9, 0.9, 0.446, 0.446])  # z: 49.6 % of the best axis' share
    blind = check_motions(AXIS_MOTIONS, AXIS_MOTIONS, CheckThresholds(min_explained=0.5),
                          explained=seen)
    assert "explains z 44.6% of the frame change, against 90.0% along the best-seen axis " \
           "(threshold 50% of that)" in blind.explanation


def test_thresholds_decide_fine_versus_rotate():
    inferred = Rotation.from_euler("z", 12, degrees=True).apply(AXIS_MOTIONS)
    assert check_motions(AXIS_MOTIONS, inferred).verdict == Verdict.ROTATE
    assert check_motions(AXIS_MOTIONS, inferred, CheckThresholds(fine_deg=15)).verdict == \
        Verdict.FINE


@pytest.mark.parametrize("executed, match", [
    (AXIS_MOTIONS[:2], "2 executed motions"),  # too few
    (AXIS_MOTIONS * 0.1, "0 executed motions"),  # all shorter than 1 cm
    (np.outer(np.linspace(-1, 1, 8), [0.03, 0.01, 0]), "one line"),  # along one line
])
def test_too_little_motion_is_a_one_line_error(executed, match):
    with pytest.raises(ValueError, match=match):
        check_motions(executed, executed)


def test_bad_shapes_and_thresholds_are_refused():
    with pytest.raises(ValueError, match=r"\[N, 3\+\]"):
        check_motions(AXIS_MOTIONS, AXIS_MOTIONS[:, :2])
    with pytest.raises(ValueError, match="fine_deg"):
        CheckThresholds(fine_deg=0)


@pytest.mark.parametrize("field, value, message", [
    ("fine_deg", 200.0, "an angle in (0, 180) deg"),
    ("fine_deg", 180.0, "would call every placement fine"),
    ("fine_deg", -1.0, "an angle in (0, 180) deg"),
    ("fine_deg", 0.0, "0 or less would call no placement fine"),
    ("max_residual_deg", -5.0, "0 or less would say move the camera for every placement"),
    ("fine_deg", math.inf, "an angle in (0, 180) deg"),
    ("max_residual_deg", 180.0, "would never say move the camera"),
    ("max_residual_deg", math.nan, "an angle in (0, 180) deg"),
    ("min_explained", 2.0, "a fraction of the best-seen axis's share in (0, 1]"),
    ("min_explained", -0.5, "(0, 1]"),
    ("min_scale", 1.5, "a fraction of the executed motion's length in (0, 1]"),
    ("min_motion_m", math.inf, "must lie in (0, 0.2], got inf"),
    ("min_motion_m", 0.5, "must lie in (0, 0.2], got 0.5"),
    ("min_motions", 1, "must be >= 2"),
])
def test_thresholds_that_make_the_verdict_meaningless_are_refused_naming_the_parameter(
        field, value, message):
    with pytest.raises(ValueError) as caught:
        CheckThresholds(**{field: value})
    text = str(caught.value)
    assert text.startswith(f"camera_check.verdict.{field} must ") and message in text
    assert "\n" not in text


def test_the_edges_of_the_threshold_ranges_are_accepted():
    CheckThresholds(fine_deg=179.9, max_residual_deg=179.9, min_scale=1.0, min_explained=1.0,
                    min_motion_m=1e-4, min_motions=2)


@pytest.mark.parametrize("params, message", [
    ({"verdict": {"min_motion_m": 0.05}}, "camera_check.verdict.min_motion_m (0.05 m) must be "
     "below camera_check.motion.distance_m (0.04 m)"),
    ({"verdict": {"min_motion_m": 0.02}, "motion": {"distance_m": 0.02}},
     "must be below camera_check.motion.distance_m (0.02 m)"),
    ({"verdict": {"min_motions": 15}}, "camera_check.verdict.min_motions (15) exceeds the 14 "
     "motions the check makes (camera_check.motion.diagonals false, corners true)"),
    ({"verdict": {"min_motions": 7}, "motion": {"corners": False}}, "exceeds the 6 motions"),
    ({"verdict": {"min_motions": 19}, "motion": {"diagonals": True, "corners": False}},
     "exceeds the 18 motions"),
    ({"verdict": {"min_motions": 27}, "motion": {"diagonals": True, "corners": True}},
     "camera_check.verdict.min_motions must lie in [2, 26], got 27"),  # the most there are
    ({"verdict": {"confidence": 1.0}}, "camera_check.verdict.confidence must be a probability"),
    ({"verdict": {"fine_deg": 200.0}}, "camera_check.verdict.fine_deg must be an angle"),
    ({"motion": {"distance_m": math.inf}}, "camera_check.motion.distance_m must be finite"),
])
def test_the_planner_nodes_camera_check_parameters_are_checked_before_the_arm_moves(
        params, message):
    from vjepa_ros.config import from_dict
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    with pytest.raises(ValueError) as caught:
        from_dict(PlannerNodeConfig, {"camera_check": params})
    assert message in str(caught.value)
    lengthened = {"motion": {"distance_m": 0.06}, "verdict": {"min_motion_m": 0.05}}
    assert from_dict(PlannerNodeConfig, {"camera_check": lengthened}).camera_check.verdict \
        .min_motion_m == 0.05  # the same threshold passes with longer motions


def test_reports_and_the_parameter_file_load_as_planner_parameters(tmp_path):
    truth = Rotation.from_euler("xyz", (5, -5, 60), degrees=True)
    result = check_motions(AXIS_MOTIONS, truth.apply(AXIS_MOTIONS))
    written = write_check(result, tmp_path, base_planner_params(), extra={"source": "test"})
    assert {p.name for p in written.values()} == {PARAMS_FILE, "camera_check.png",
                                                  "camera_check.json"}
    params = read_ros_params(written["params"], "vjepa_planner")
    rpy = params["control"]["model_frame_rpy_deg"]
    np.testing.assert_allclose(rpy, result.correction_rpy_deg, atol=1e-4)
    assert params["planner"]["horizon"] == 1  # the rest of config/planner.yaml came along
    ControlConfig(**params["control"])  # loads as the node's control settings
    assert yaml.safe_load(written["params"].read_text())["/**"]["ros__parameters"]
    text = "\n".join(summary_lines(result))
    assert "CORRECT BY ROTATION" in text and "rpy [5.0, -5.0, 60.0]" in text
    write_check(result, tmp_path, base_planner_params(), plot=False)  # again, --no-plots
    assert not (tmp_path / "camera_check.png").exists()  # no earlier plot beside the new report


def test_the_parameter_file_carries_the_verdict_thresholds_the_check_used(tmp_path):
    from vjepa_ros.config import from_dict
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    thresholds = CheckThresholds(fine_deg=12.5, max_residual_deg=20.0, min_scale=0.25,
                                 min_motion_m=0.02, min_motions=4, min_explained=0.4)
    result = check_motions(AXIS_MOTIONS, AXIS_MOTIONS, thresholds)
    written = write_check(result, tmp_path, base_planner_params(), plot=False)
    params = read_ros_params(written["params"], "vjepa_planner")
    assert params["camera_check"]["verdict"] == dataclasses.asdict(thresholds)
    assert params["camera_check"]["motion"]["distance_m"] == 0.04  # the base file's, kept
    config = from_dict(PlannerNodeConfig, params)  # loads as the node's parameters
    assert config.camera_check.verdict == thresholds


def test_a_base_parameter_file_without_planner_parameters_is_refused(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("camera:\n  ros__parameters:\n    fps: 30\n")
    with pytest.raises(ValueError, match="other.yaml: no ros__parameters"):
        base_planner_params(other)


# -- the offline check on a simulator bag, with the oracle told to misjudge the axes ----------

@pytest.fixture(scope="module")
def sim_bag(tmp_path_factory):
    """Record a 12-frame scripted simulator bag (64x64) with ``vjepa-ros record``."""
    pytest.importorskip("pybullet", reason="pybullet is in install_requires")
    from vjepa_ros.cli import main

    path = tmp_path_factory.mktemp("camcheck") / "bag"
    assert main(["record", str(path), "--frames", "12", "--width", "64", "--height", "64",
                 "--seed", "3"]) == 0
    return path


def _oracle_for(bag, rpy):
    """Return a rotated oracle that knows the bag's frames (rendered at its states)."""
    from vjepa_ros.recordings import read_recording
    from vjepa_ros.sim.oracle import OracleWorldModel

    recording = read_recording(bag)
    oracle = OracleWorldModel(model_frame_rpy_deg=rpy)
    frames = recording.load_frames(np.arange(len(recording.image_times)))
    for frame, state in zip(frames, recording.states, strict=True):
        oracle.remember(frame, state)
    return oracle


@pytest.mark.parametrize("yaw, verdict", [(0.0, Verdict.FINE), (60.0, Verdict.ROTATE),
                                          (-135.0, Verdict.ROTATE)])
def test_offline_check_on_a_sim_bag_recovers_the_oracles_yaw(sim_bag, yaw, verdict):
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.planning import preset

    result, report = check_bag(sim_bag, _oracle_for(sim_bag, (0, 0, yaw)),
                               preset("paper", samples=64, iterations=4, maxnorm=0.075))
    assert result.motions >= 6 and report["summary"]["steps_evaluated"] == 11
    assert abs((result.yaw_deg - yaw + 180) % 360 - 180) < 4.0, result.yaw_deg
    assert result.verdict == verdict
    if verdict == Verdict.ROTATE:
        assert abs((result.correction_rpy_deg[2] - yaw + 180) % 360 - 180) < 4.0


def test_camera_check_command_prints_the_verdict_and_writes_its_files(sim_bag, tmp_path,
                                                                      monkeypatch, capsys):
    import vjepa_ros.demo
    from vjepa_ros.cli import main

    oracle = _oracle_for(sim_bag, (0, 0, 90))
    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model",
                        lambda *args, **kwargs: (oracle, "rotated oracle (test)"))
    out = tmp_path / "check"
    assert main(["camera-check", str(sim_bag), "--checkpoint", "demo", "--out", str(out),
                 "--quiet", "--samples", "64", "--iterations", "4", "--maxnorm", "0.075",
                 "--seed", "5", "--fine-deg", "7.5", "--min-scale", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "CORRECT BY ROTATION" in printed and "rotated oracle (test)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["camera_check.json", "camera_check.png",
                                                     PARAMS_FILE]
    params = read_ros_params(out / PARAMS_FILE, "vjepa_planner")
    # the model and search the correction came from, as the node reads them ('demo': its file)
    from vjepa_ros.config import from_dict
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.planning import preset
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    demo = str(world_model_path("demo").resolve())
    assert params["model"]["checkpoint"] == demo
    config = from_dict(PlannerNodeConfig, params)  # loads as the node's parameters
    assert config.model.checkpoint == demo and config.planner.seed == 5
    assert config.planner.to_cem() == preset("paper", samples=64, iterations=4, maxnorm=0.075,
                                             horizon=1)
    assert f"plans with model.checkpoint {demo} and the check's search (cem, samples 64, " \
           "iterations 4, maxnorm 0.075)" in printed
    assert abs(params["control"]["model_frame_rpy_deg"][2] - 90) < 4
    verdict = params["camera_check"]["verdict"]  # the command line's thresholds reproduce
    assert (verdict["fine_deg"], verdict["min_scale"], verdict["max_residual_deg"]) == \
        (7.5, 0.2, 60.0)
    report = json.loads((out / "camera_check.json").read_text())  # what it checked
    assert report["check_of"] == {"recording": str(sim_bag.absolute()), "checkpoint": demo,
                                 "window_s": [0.0, 0.0]}
    assert report["headline"] == "CORRECT BY ROTATION"
    other = shutil.copytree(sim_bag, tmp_path / "other_bag")
    assert main(["camera-check", str(other), "--checkpoint", "demo", "--out",
                 str(out)]) == 1  # another recording's --out: refused, the check kept
    assert "of another recording" in capsys.readouterr().err
    assert read_ros_params(out / PARAMS_FILE, "vjepa_planner") == params


@pytest.mark.parametrize("option, message", [
    (["--horizon", "3"], "--horizon 3: the camera check infers each motion by a horizon-1"),
    (["--horizon", "0"], "--horizon 0: the camera check"),
    (["--min-motion", "0"], "--min-motion must lie in (0, 0.2], got 0.0"),
    (["--min-motion", "nan"], "--min-motion must lie in (0, 0.2], got nan"),
    (["--max-residual-deg", "-5"], "--max-residual-deg must be an angle in (0, 180) deg"),
    (["--min-explained", "0"], "--min-explained must be a fraction of the best-seen axis"),
    (["--min-explained", "2"], "--min-explained must be a fraction of the best-seen axis"),
    (["--fine-deg", "200"], "--fine-deg must be an angle in (0, 180) deg: a rotation turns by"),
    (["--min-scale", "3"], "--min-scale must be a fraction of the executed motion's length"),
    (["--max-scale", "1"], "--max-scale must lie in (1, 100], got 1.0"),
    (["--min-best-explained", "0"], "--min-best-explained must be a share of the frame change"),
    (["--rate", "0"], "--rate must be a step rate in 0.1..100 Hz (DROID: 4), got 0"),
    (["--rate", "inf"], "--rate must be a step rate in 0.1..100 Hz (DROID: 4), got inf"),
    (["--max-steps", "-1"], "--max-steps must be >= 0, got -1"),
    (["--samples", "4", "--topk", "8"], "--topk"),
    (["--refine-lr", "0.1"], "--refine-lr does nothing"),
])
def test_camera_check_options_are_checked_before_the_bag_or_model_is_loaded(
        option, message, tmp_path, monkeypatch, capsys):
    import vjepa_ros.demo
    import vjepa_ros.recordings.bags
    from vjepa_ros.cli import main

    def loaded(*args, **kwargs):
        raise AssertionError("loaded before the options were checked")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    monkeypatch.setattr(vjepa_ros.recordings.bags, "read_recording", loaded)
    out = tmp_path / "never"
    # an option refused (a value out of range, one the search would not use): a usage error
    assert main(["camera-check", str(tmp_path / "bag"), "--out", str(out), *option]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: ") and message in err and "\n" not in err
    assert not out.exists()


def test_camera_check_refuses_a_planner_file_section_for_no_planner(tmp_path, capsys):
    """The written file would start from the planner's defaults, not the user's values."""
    from vjepa_ros.cli import main

    params = tmp_path / "wrongnode.yaml"
    params.write_text("/**:\n  ros__parameters:\n    planner: {samples: 64}\n"
                      "vjepa_planer:\n  ros__parameters:\n    control: {rate_hz: 2.0}\n")
    out = tmp_path / "never"
    assert main(["camera-check", str(tmp_path / "bag"), "--checkpoint", "demo", "--out", str(out),
                 "--params-file", str(params)]) == 2  # a usage error, as launch says it
    assert capsys.readouterr().err == (  # camera-check starts no node: it reads the planner's
        f"vjepa-ros camera-check: --params-file {params}: section 'vjepa_planer' applies to no "
        "node whose parameters camera-check reads (vjepa_planner); closest: 'vjepa_planner' — "
        "fix the name or use '/**'\n")
    assert not out.exists()


def test_camera_check_takes_horizon_1_and_searches_with_it():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.camera_check_command import checked_options

    for argv in ([], ["--horizon", "1"], ["--preset", "notebook"]):  # notebook: H 2 elsewhere
        args = build_parser().parse_args(["camera-check", "BAG", *argv])
        cem, thresholds, config = checked_options(args)
        assert cem.horizon == 1 and config.goal_offset == 1
        assert thresholds.min_motion_m == 0.01 and config.min_motion_m == 0.005


@pytest.mark.parametrize("args, message, status", [
    (["camera-check", "/nonexistent/bag"], "/nonexistent/bag", 1),
    (["camera-check", "BAG", "--fine-deg", "0"], "--fine-deg must be an angle in (0, 180)", 2),
    (["camera-check", "BAG", "--params-file", "/nonexistent/planner.yaml"], "planner.yaml",
     2),  # a usage error (config.UsageError), as launch's --params-file
])
def test_camera_check_command_errors_are_one_line_and_write_nothing(args, message, status,
                                                                    sim_bag, tmp_path, capsys):
    from vjepa_ros.cli import main

    out = tmp_path / "never"
    args = [str(sim_bag) if a == "BAG" else a for a in args] + ["--out", str(out),
                                                                "--checkpoint", "demo"]
    assert main(args) == status
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("vjepa-ros camera-check:") and "\n" not in err
    assert not out.exists()


def test_motions_of_exactly_the_minimum_count_despite_float_rounding():
    """States 1 cm apart give motions a hair under 0.01 m (float32 bags, FK): they count."""
    executed = AXIS_MOTIONS / 4 * (1 - 1e-12)  # 1 cm along each axis, less float rounding
    assert (np.linalg.norm(executed, axis=1) < 0.01).all()
    result = check_motions(executed, executed, CheckThresholds(min_motion_m=0.01))
    assert result.motions == 6


@pytest.mark.parametrize("name", ["joint-states-split", "truncated-mcap"])
def test_a_field_bag_along_one_line_is_refused_before_any_planning(name):
    """The bag's states alone show the motions lie on one line: no model is ever called."""
    from conftest import SHARED_DATA
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.planning import preset

    class NoModel:
        def __getattr__(self, name):
            raise AssertionError(f"the model was used ({name}) before the motions were checked")

    bag = SHARED_DATA / "field" / name
    with pytest.raises(ValueError, match=f"^{bag}: camera check: the executed motions all lie "
                       "along one line") as refused:
        check_bag(bag, NoModel(), preset("paper"))
    # a bag: what to record, not "move the arm" (user30: the user has only the bag)
    assert str(refused.value).endswith(": record the arm moving along at least two axes (or "
                                       "run the live check, ~/camera_check, which moves it so)")


def test_motions_along_one_line_say_what_to_record_offline_and_how_to_move_live():
    from vjepa_ros.eval.camera_check_motions import usable_motions

    line = np.array([[0.02, 0, 0], [-0.02, 0, 0], [0.03, 0, 0], [-0.03, 0, 0]])
    for live, fix in ((False, "record the arm moving along at least two axes"),
                      (True, "move the arm along at least two axes")):
        with pytest.raises(ValueError) as refused:
            usable_motions(line, live=live)
        assert str(refused.value).endswith(f"does not determine a rotation: {fix}" + (
            "" if live else " (or run the live check, ~/camera_check, which moves it so)"))


@pytest.mark.parametrize("option, message, status", [  # 2: the options typed, 1: the bag
    ([], "no --checkpoint: a world model with random weights sees nothing, so its camera check "
     "means nothing; pass --checkpoint demo (the packaged demo model), --checkpoint "
     "vjepa2-ac-vitg.pt (Meta's) or a trained file, or --random-weights to run the pipeline "
     "anyway", 2),
    (["--checkpoint", "demo", "--random-weights"], "--random-weights: does not apply with "
     "--checkpoint", 2),
    (["--checkpoint", "demo", "--min-motion", "0.19"], "camera check: 0 executed motions of at "
     "least 19 cm, need 3: the bag's 3 longest motions are", 1),  # the bag's states: no model
])
def test_camera_check_refuses_random_weights_and_short_motions_before_the_model_loads(
        option, message, status, sim_bag, tmp_path, monkeypatch, capsys):
    import vjepa_ros.demo
    from vjepa_ros.cli import main

    def loaded(*args, **kwargs):
        raise AssertionError("the model loaded before the refusal")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    out = tmp_path / "never"
    if "--min-motion" in option:  # the written file's check motions as long (the node's rule)
        params = tmp_path / "long.yaml"
        params.write_text("/**:\n  ros__parameters:\n    safety: {max_step_m: 0.2}\n"
                          "    camera_check: {motion: {distance_m: 0.2}}\n")
        option = [*option, "--params-file", str(params)]
    assert main(["camera-check", str(sim_bag), "--out", str(out), *option]) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: ") and message in err and "\n" not in err
    if "--min-motion" in option:
        assert "lower --min-motion (a length in metres, default 0.01) to at most" in err
    assert not out.exists()


def _no_loading(monkeypatch):
    """Make loading the bag or the model fail the test."""
    import vjepa_ros.demo
    import vjepa_ros.recordings.bags

    def loaded(*args, **kwargs):
        raise AssertionError("the bag or the model loaded before the refusal")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    monkeypatch.setattr(vjepa_ros.recordings.bags, "read_recording", loaded)


def test_camera_check_plans_with_the_params_files_checkpoint(sim_bag, tmp_path, monkeypatch,
                                                             capsys):
    """No --checkpoint: the --params-file's model.checkpoint loads (not a refusal)."""
    import vjepa_ros.demo
    from vjepa_ros.cli import main
    from vjepa_ros.input_paths import world_model_path

    demo = str(world_model_path("demo").resolve())
    params = tmp_path / "planner.yaml"
    params.write_text(f"/**:\n  ros__parameters:\n    model: {{checkpoint: {demo}}}\n")
    loaded = []

    def load(checkpoint, *args, **kwargs):
        loaded.append(checkpoint)
        raise RuntimeError("stop here")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", load)
    assert main(["camera-check", str(sim_bag), "--params-file", str(params), "--quiet",
                 "--out", str(tmp_path / "never")]) == 1
    assert loaded == [demo] and "stop here" in capsys.readouterr().err


def test_camera_check_refuses_random_weights_with_a_params_file_naming_a_checkpoint(
        tmp_path, monkeypatch, capsys):
    from vjepa_ros.cli import main
    from vjepa_ros.input_paths import world_model_path

    _no_loading(monkeypatch)
    params = tmp_path / "planner.yaml"
    params.write_text("/**:\n  ros__parameters:\n    model: {checkpoint: "
                      f"{world_model_path('demo').resolve()}}}\n")
    assert main(["camera-check", str(tmp_path / "bag"), "--params-file", str(params),
                 "--random-weights", "--out", str(tmp_path / "never")]) == 2  # cli31: usage
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros camera-check: --random-weights: does not apply with "
                          f"--params-file {params}: model.checkpoint ") and "\n" not in err


def test_camera_check_refuses_a_params_file_the_node_would_refuse_before_the_bag_loads(
        sim_bag, tmp_path, monkeypatch, capsys):
    """safety.max_step_m 0.05 under the trial's 0.08 m offset: the written file would not start."""
    from vjepa_ros.cli import main

    _no_loading(monkeypatch)
    params = tmp_path / "planner.yaml"
    params.write_text("vjepa_planner:\n  ros__parameters:\n    safety: {max_step_m: 0.05}\n")
    out = tmp_path / "never"
    assert main(["camera-check", str(sim_bag), "--params-file", str(params),
                 "--checkpoint", "demo", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros camera-check: --params-file {params} with this run's "
                          "options: the planner node would refuse the written file: "
                          "camera_check.trial.offset_m (0.08 m) must be at most "
                          "safety.max_step_m (0.05 m)") and "\n" not in err
    assert main(["camera-check", str(sim_bag), "--min-motion", "0.2", "--checkpoint", "demo",
                 "--out", str(out)]) == 2  # a verdict option against the default file
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: --params-file config/planner.yaml with this "
                          "run's options: the planner node would refuse the written file: "
                          "--min-motion (0.2 m) must be below camera_check.motion.distance_m")
    assert not out.exists()
