"""Camera check: rotation estimation on synthetic motions, verdicts, thresholds, reports.

ROS-free and model-free: motions with a known frame error in, the estimated rotation, the
verdict, the refused thresholds and the written report and parameter file out. The offline
``vjepa-ros camera-check`` command on bags: ``test_eval_camera_check.py``.
"""

import dataclasses
import math

import numpy as np
import pytest
import yaml
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_inference import explained_share
from vjepa_ros.eval.camera_check_report import (
    PARAMS_FILE,
    base_planner_params,
    summary_lines,
    verdict_line,
    write_check,
)
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_rotation import estimate_rotation, estimate_yaw
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.robot.control_config import ControlConfig
from vjepa_ros.yaml_files import read_ros_params

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


@pytest.mark.parametrize("axis", [0, 1, 2], ids=["x", "y", "z"])
def test_a_mirrored_view_is_not_corrected_by_a_rotation(axis):
    # breaker32r: a camera image flipped by its driver (a flip option, a mirror in the view): the
    # model's motions are the robot's reflected along one axis. No rotation maps one to the
    # other; the best one left 54° RMS, under max_residual_deg (60°), and was offered as the
    # correction, under which motion along the mirrored axis still went the wrong way
    executed = np.concatenate([AXIS_MOTIONS, 0.04 * np.random.default_rng(0).normal(size=(6, 3))])
    mirror = np.eye(3)
    mirror[axis, axis] = -1.0
    result = check_motions(executed, executed @ mirror.T)
    assert result.verdict == Verdict.MOVE, result.explanation
    assert result.mirror == f"mirrored along base {'xyz'[axis]}"
    assert result.correction == "none" and result.correction_rpy_deg == [0.0, 0.0, 0.0]
    assert "flip or mirror option" in result.explanation
    assert verdict_line(result) == (f"MOVE THE CAMERA: the view is mirrored along base "
                                    f"{'xyz'[axis]} (no rotation corrects it)")


def test_a_mirrored_and_turned_view_is_seen_in_3d_and_in_the_tables_plane():
    # a flipped image from a camera that also looks from the side: a reflection then a 70° yaw,
    # with 4° of noise per motion; and a table-top recording (motions in x-y: the yaw fit)
    turn = Rotation.from_euler("z", 70, degrees=True)
    executed = np.concatenate([AXIS_MOTIONS, _random_motions(10, seed=1)])
    flipped = executed * np.array([1.0, -1.0, 1.0])
    result = check_motions(executed, _noisy(flipped, turn, 4.0, seed=2))
    assert result.verdict == Verdict.MOVE and result.mirror.startswith("mirrored along base")
    # in the table's plane a mirror is a half turn about a level axis: only z tells them apart
    # (breaker55b): undecided, asking for motion along z, no correction
    planar = _random_motions(12, seed=3, planar=True)
    result = check_motions(planar, _noisy(planar * np.array([-1.0, 1.0, 1.0]), turn, 2.0, 4))
    assert result.verdict == Verdict.UNDECIDED and "only motion along z" in result.explanation
    assert "mirrored along base" in result.explanation and not result.mirror
    assert result.correction == "none"


@pytest.mark.parametrize("noise_deg", [20.0, 35.0])
def test_a_scattered_but_unmirrored_model_is_not_called_mirrored(noise_deg):
    # a learned model's motions scatter 19-50° RMS about its rotation: that scatter must not
    # read as a mirror (the reflection explains them far worse than the rotation)
    truth = Rotation.from_euler("xyz", (10, -20, 90), degrees=True)
    executed = np.concatenate([AXIS_MOTIONS, _random_motions(10, seed=5)])
    for seed in range(5):
        result = check_motions(executed, _noisy(executed, truth, noise_deg, seed=seed))
        assert result.mirror == "" and result.verdict == Verdict.ROTATE, result.explanation


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
    ({"motion": {"distance_m": math.inf}},
     "camera_check.motion.distance_m must lie in (0, 0.2], got inf"),
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
    assert {p.name for p in written.files()} == {PARAMS_FILE, "camera_check.png",
                                                  "camera_check.json"}
    params = read_ros_params(written.params, "vjepa_planner")
    rpy = params["control"]["model_frame_rpy_deg"]
    np.testing.assert_allclose(rpy, result.correction_rpy_deg, atol=1e-4)
    assert params["planner"]["horizon"] == 1  # the rest of config/planner.yaml came along
    ControlConfig(**params["control"])  # loads as the node's control settings
    assert yaml.safe_load(written.params.read_text())["/**"]["ros__parameters"]
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
    params = read_ros_params(written.params, "vjepa_planner")
    assert params["camera_check"]["verdict"] == dataclasses.asdict(thresholds)
    assert params["camera_check"]["motion"]["distance_m"] == 0.04  # the base file's, kept
    config = from_dict(PlannerNodeConfig, params)  # loads as the node's parameters
    assert config.camera_check.verdict == thresholds


def test_a_base_parameter_file_without_planner_parameters_is_refused(tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text("camera:\n  ros__parameters:\n    fps: 30\n")
    with pytest.raises(ValueError, match="other.yaml: no ros__parameters"):
        base_planner_params(other)


def test_camera_check_reads_the_crop_a_wildcard_section_gives_the_planner(tmp_path):
    # a common ROS 2 layout: shared settings under /**, the node's own below; rcl gives
    # /vjepa_planner model.aspect_ratio_min/max 1.0 and model.checkpoint. camera-check (which
    # now crops as the node of its --params-file) reads the crop as unset and crops DROID's
    # 0.75..1.35 or the file's record: a check of another preprocessing than the node's
    path = tmp_path / "planner.yaml"
    path.write_text("/**:\n  ros__parameters:\n    model:\n      aspect_ratio_min: 1.0\n"
                    "      aspect_ratio_max: 1.0\n"
                    "vjepa_planner:\n  ros__parameters:\n    model:\n      checkpoint: demo\n")
    model = base_planner_params(path)["model"]
    assert model.get("aspect_ratio_min") == 1.0 and model.get("checkpoint") == "demo", model
