"""The camera check's rotation uncertainty and the noise-aware verdict, on synthetic motions.

Each inferred motion is the executed one turned by a known rotation, then perturbed by Gaussian
noise of a known size perpendicular to it (two components of ``SIGMA`` each, the model of
``camera_check_noise``), so the spread of the estimate and the right verdict are known.
"""

import json
import math

import numpy as np
import pytest
import yaml
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_noise import rotation_uncertainty
from vjepa_ros.eval.camera_check_report import summary_lines, write_check
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_rotation import estimate_rotation, estimate_yaw
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.robot.camera_check_motions import motion_directions

SETS = {n: 0.04 * np.array([d for _, d in motion_directions(diag, corners)])
        for n, diag, corners in ((6, False, False), (18, True, False), (26, True, True))}


def noisy(executed, sigma_deg, rng, rotation=None):
    """Inferred motions: the executed ones turned by ``rotation`` (if given), then noise."""
    turned = executed if rotation is None else rotation.apply(executed)
    unit = turned / np.linalg.norm(turned, axis=1, keepdims=True)
    kick = rng.normal(scale=math.radians(sigma_deg), size=turned.shape)
    kick -= np.sum(kick * unit, axis=1, keepdims=True) * unit  # perpendicular: a direction error
    return Rotation.from_rotvec(np.cross(unit, kick)).apply(turned)


def _bounds(n, sigma_deg, draws=40, seed=0):
    rng = np.random.default_rng(seed)
    executed = SETS[n]
    bounds, sigmas = [], []
    for _ in range(draws):
        inferred = noisy(executed, sigma_deg, rng)
        u = rotation_uncertainty(executed, inferred, estimate_rotation(executed, inferred))
        bounds.append(u.bound_deg)
        sigmas.append(u.sigma_deg)
    return float(np.median(bounds)), float(np.median(sigmas))


def test_the_uncertainty_shrinks_with_more_motions_of_the_same_noise():
    """Bound ∝ σ/√N (with the F quantile falling as the residual's degrees of freedom grow)."""
    bound6, sigma6 = _bounds(6, 20.0)
    bound18, sigma18 = _bounds(18, 20.0)
    bound26, sigma26 = _bounds(26, 20.0)
    assert bound6 > bound18 > bound26
    assert bound26 < 0.45 * bound6  # √(6/26) = 0.48, and a smaller F quantile on top
    for sigma in (sigma6, sigma18, sigma26):  # the per-motion noise is recovered
        assert 14.0 < sigma < 26.0, sigma


def test_the_uncertainty_grows_with_the_noise_and_recovers_it():
    low, sigma_low = _bounds(26, 5.0)
    high, sigma_high = _bounds(26, 20.0)
    assert 3.0 < high / low < 5.0  # 4x the noise: about 4x the bound
    assert 4.0 < sigma_low < 6.0 and 16.0 < sigma_high < 24.0


@pytest.mark.parametrize("n", [6, 18, 26])
def test_the_bound_holds_the_true_rotation_about_as_often_as_it_claims(n):
    rng = np.random.default_rng(n)
    truth = Rotation.from_euler("xyz", [10.0, -5.0, 30.0], degrees=True)
    held = []
    for _ in range(120):
        inferred = noisy(SETS[n], 15.0, rng, truth)
        estimate = estimate_rotation(SETS[n], inferred)
        u = rotation_uncertainty(SETS[n], inferred, estimate)
        held.append(np.degrees((estimate * truth.inv()).magnitude()) <= u.bound_deg)
    assert np.mean(held) >= 0.85  # nominal 95 %; the angle is tested against the widest axis


@pytest.mark.parametrize("n", [6, 18, 26])
def test_identity_within_the_noise_is_placement_fine_not_a_rotation(n):
    """An exact-frame model whose motions scatter 20° per component gets 'fine' nearly always.

    Including the draws whose estimate exceeds fine_deg (10°), which the old rule corrected.
    """
    rng = np.random.default_rng(100 + n)
    verdicts, beyond = [], 0
    for _ in range(60):
        inferred = noisy(SETS[n], 20.0, rng)
        result = check_motions(SETS[n], inferred)
        verdicts.append(result.verdict)
        if result.rotation_angle_deg > 10.0 and result.verdict == Verdict.FINE:
            beyond += 1
            assert "cannot be told from no rotation" in result.explanation
            assert result.correction == "none" and result.correction_rpy_deg == [0.0, 0.0, 0.0]
            assert not result.uncertainty["distinguishable"]
    assert verdicts.count(Verdict.FINE) >= 0.85 * len(verdicts)
    if n == 6:  # with 6 motions of this noise most estimates are over 10°
        assert beyond >= 20


@pytest.mark.parametrize("n", [6, 18])
def test_a_known_30_degree_rotation_with_small_noise_is_correct_by_rotation(n):
    rng = np.random.default_rng(7)
    truth = Rotation.from_euler("z", 30.0, degrees=True)
    inferred = noisy(SETS[n], 3.0, rng, truth)
    result = check_motions(SETS[n], inferred)
    assert result.verdict == Verdict.ROTATE, result.explanation
    assert result.uncertainty["distinguishable"] and result.uncertainty["p_value"] < 1e-6
    assert result.uncertainty["bound_deg"] < 8.0
    assert f"±{result.uncertainty['bound_deg']:.1f}°" in result.explanation
    applied = Rotation.from_euler("xyz", result.correction_rpy_deg, degrees=True)
    assert np.degrees((applied * truth.inv()).magnitude()) < result.uncertainty["bound_deg"]


def test_a_large_rotation_under_heavy_noise_from_few_motions_is_not_applied():
    """30° of true rotation, 35° of noise, 6 motions: the estimate cannot be trusted; 26 can."""
    truth = Rotation.from_euler("z", 30.0, degrees=True)
    rng = np.random.default_rng(3)
    few = [check_motions(SETS[6], noisy(SETS[6], 35.0, rng, truth)).verdict for _ in range(30)]
    many = [check_motions(SETS[26], noisy(SETS[26], 35.0, rng, truth)).verdict
            for _ in range(30)]
    assert few.count(Verdict.ROTATE) < many.count(Verdict.ROTATE)
    assert many.count(Verdict.ROTATE) >= 20


def test_a_yaw_from_planar_motions_gets_a_one_parameter_uncertainty():
    planar = SETS[18][[0, 1, 2, 3, 6, 7, 8, 9]]  # ±x, ±y and the four xy diagonals
    rng = np.random.default_rng(5)
    for yaw, expected in ((0.0, Verdict.FINE), (40.0, Verdict.ROTATE)):
        truth = Rotation.from_euler("z", yaw, degrees=True)
        inferred = noisy(planar, 4.0, rng, truth)
        result = check_motions(planar, inferred)
        assert result.correction in ("yaw", "none")
        assert result.uncertainty["dof"] == 1
        assert result.uncertainty["std_deg"][:2] == [0.0, 0.0]
        assert result.verdict == expected, result.explanation
    # the yaw's standard deviation: σ / √Σ|b_xy|² (all 8 motions lie in the plane)
    yaw = Rotation.from_euler("z", estimate_yaw(planar, inferred))
    u = rotation_uncertainty(planar, inferred, yaw, yaw_only=True)
    assert u.std_deg[2] == pytest.approx(u.sigma_deg / math.sqrt(8), rel=1e-9)


def test_exact_motions_are_certain_and_degenerate_ones_unbounded():
    truth = Rotation.from_euler("xyz", [5.0, 0.0, 20.0], degrees=True)
    exact = rotation_uncertainty(SETS[6], truth.apply(SETS[6]), truth)
    assert exact.distinguishable and exact.p_value == 0.0 and exact.bound_deg < 1e-6
    none = rotation_uncertainty(SETS[6], SETS[6], Rotation.identity())
    assert not none.distinguishable and none.mahalanobis2 == 0.0
    line = SETS[6][:2]  # +x and −x only: nothing fixes a turn about x
    u = rotation_uncertainty(line, line, Rotation.identity())
    assert math.isinf(u.bound_deg) and not u.distinguishable


def test_a_stricter_confidence_keeps_a_borderline_estimate_fine():
    rng = np.random.default_rng(11)
    truth = Rotation.from_euler("z", 20.0, degrees=True)
    for _ in range(50):
        inferred = noisy(SETS[6], 12.0, rng, truth)
        loose = check_motions(SETS[6], inferred, CheckThresholds(confidence=0.8))
        strict = check_motions(SETS[6], inferred, CheckThresholds(confidence=0.999))
        if loose.verdict == Verdict.ROTATE and strict.verdict == Verdict.FINE:
            assert strict.uncertainty["bound_deg"] > loose.uncertainty["bound_deg"]
            return
    pytest.fail("no draw lay between the 80 % and the 99.9 % test")


@pytest.mark.parametrize("value", [0.0, 1.0, -0.5, 1.5, float("nan"), float("inf")])
def test_a_confidence_outside_0_1_is_refused_naming_the_parameter(value):
    with pytest.raises(ValueError, match=r"camera_check\.verdict\.confidence must be a "
                                         r"probability in \(0, 1\)"):
        CheckThresholds(confidence=value)


def test_a_check_whose_model_infers_no_motion_has_an_unbounded_uncertainty(tmp_path):
    result = check_motions(SETS[6], np.zeros_like(SETS[6]))
    assert result.verdict == Verdict.MOVE and math.isinf(result.uncertainty["bound_deg"])
    line = next(text for text in summary_lines(result) if text.startswith("uncertainty"))
    assert "unbounded" in line and "unknown: too few motions" in line
    written = write_check(result, tmp_path, {"control": {}}, plot=False)
    assert json.loads(written.report.read_text())["uncertainty"]["bound_deg"] is None


def test_the_uncertainty_is_printed_and_kept_in_the_json_and_the_parameter_file(tmp_path):
    rng = np.random.default_rng(2)
    result = check_motions(SETS[18], noisy(SETS[18], 20.0, rng))
    lines = summary_lines(result)
    line = next(text for text in lines if text.startswith("uncertainty"))
    assert f"±{result.uncertainty['bound_deg']:.1f}° (full rotation, 95%" in line
    assert "cannot be told from no rotation" in line
    written = write_check(result, tmp_path, {"control": {}}, plot=False)
    saved = json.loads(written.report.read_text())["uncertainty"]
    assert saved["bound_deg"] == pytest.approx(result.uncertainty["bound_deg"])
    assert saved["confidence"] == 0.95 and saved["dof"] == 3
    header = written.params.read_text().splitlines()[:3]
    assert any(text.startswith("# uncertainty") for text in header)
    params = yaml.safe_load(written.params.read_text())["/**"]["ros__parameters"]
    assert params["camera_check"]["verdict"]["confidence"] == 0.95


def test_the_identity_test_is_the_estimates_angle_against_the_bound_along_its_axis():
    """The identity test is along the estimate's own axis, not the widest bound.

    A 59° estimate beyond its ±20° along its axis differs from no rotation even with a ±62°
    widest bound; both are printed so they do not read as a contradiction.
    """
    rng = np.random.default_rng(4)
    truth = Rotation.from_euler("xyz", [0.0, 40.0, 30.0], degrees=True)
    executed = np.concatenate([SETS[6]] + [SETS[6][:4]] * 4)  # mostly x, y: z turns fixed best
    for sigma in (5.0, 20.0, 40.0, 60.0):
        inferred = noisy(executed, sigma, rng, truth)
        estimate = Rotation.align_vectors(inferred, executed)[0]
        u = rotation_uncertainty(executed, inferred, estimate)
        angle = math.degrees(estimate.magnitude())
        assert u.along_deg <= u.bound_deg + 1e-9
        assert u.distinguishable == (angle > u.along_deg)
    result = check_motions(executed, noisy(executed, 30.0, rng, truth))
    u = result.uncertainty
    line = next(text for text in summary_lines(result) if text.startswith("uncertainty"))
    assert (f"±{u['bound_deg']:.1f}° (full rotation, 95%, widest axis; ±{u['along_deg']:.1f}° "
            "along the estimate's axis, which the test uses; per-motion error") in line
    planar = SETS[6][:4]
    yaw = rotation_uncertainty(planar, noisy(planar, 10.0, rng, Rotation.from_euler("z", 0.5)),
                               Rotation.from_euler("z", 0.5), yaw_only=True)
    assert yaw.along_deg == pytest.approx(yaw.bound_deg)  # one parameter: one width
