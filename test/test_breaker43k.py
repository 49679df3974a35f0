"""breaker43k: attack on fix43i (commits 0b57c06, ce800d5; main at a500591).

Fixed (fix43k): the bootstrap draws with a fixed seed (``BOOTSTRAP_SEED``) from the motions in a
canonical order (sorted by unit executed direction, then inferred, rounded to 1e-6), so storage
and order move the bound by ~1e-8, never re-draw it (2 passes unchanged); and the weakest
direction is judged only with at least ``MIN_DIRECTION_MOTIONS`` (10) usable motions and no motion
alone along a direction (leverage below ``MAX_LEVERAGE``, 0.9). With 6 motions (1, 3) the bound
cannot honour its 95 %: the result's ``not_judged`` says why ("6 motions: too few to judge
directions off the axes (at least 10)"), the rule says nothing and the axis rules judge alone.
Tests 1 and 3 now assert that documented behaviour (the fix, not a weakened test: no estimator
with 3 residual degrees of freedom per component keeps the 95 % claim at the breaker's power).

Attacked: ``vjepa_ros/eval/camera_check_stats.py`` (``weakest_direction`` / ``_upper_bound``: the
weakest direction's bound as an inverted residual-bootstrap test, 1000 resamples, seeded from the
data by ``_data_seed``), applied as ``eval/camera_check_reasons.move_reason`` does ("move the
camera" when ``bound < min_scale``, 0.3, confidence 0.95), and its verdict line ("at most X% at
95% confidence"). Simulations as test_breaker43i's (random U, V maps; noise per component), on
the 6-motion offline check (±x, ±y, ±z, 4 cm: docs/camera_placement_rows.json's rows), where the
fit has 3 residual degrees of freedom per output component.

1. Six motions: a model that infers 35 % along every direction (above the 0.3 floor), 6 mm
   scatter per component (breaker43i's level, 4.5 % false "move" with 14 motions) is told to move
   in ~14 % of placements; ~12 % when σ_min is exactly 0.3. The bootstrap resamples 6 residual
   vectors (3 degrees of freedom) as if their spread were known: the "95 %" bound is ~87 %.
2. The bound is not a function of the motions, only of their bytes and order: the seed is a CRC
   of the float64 bytes, so the same 6-decimal bag stored as float32 (a torch tensor, a float32
   message field) or listed in another order draws other resamples; the documented 6-motion rows
   move by up to 0.2 (training pose 11: 0.79-1.00 over orders; az -106: 0.61-0.82), and a bag
   near the floor changes verdict (0.338 "fine" → 0.289 "move" as float32).
3. One motion lost (its inference NaN, dropped) in a 6-motion check leaves its partner alone along
   its axis: leverage 1, residual set to 0 but still resampled as a zero vector, and nothing else
   widens the bound along that direction: σ_min 0.35 along it is told to move ~15 % (5.5 % with
   the motion kept).

Held up (not defects, do not repeat):
- Cost: 26 motions ~30 ms, 500 motions ~50 ms, 2000 ~70 ms on this 2-core machine; the live
  estimate runs on the session's worker thread (``_camera_check_worker_turn``), not in a service
  callback.
- JSON round trip of float64 motions: exact, same seed, same bound.
- σ_min exactly 0 and a rank-1 map (exact): bound 5e-5 (bisection's first half-step), "move";
  rank-1 with noise: the axis rule and the bound both say move. A NaN row is dropped, no NaN bound.
- One outlier motion in the 14-motion default check (one inference at 10 %, or a seen motion's
  inferred vector in place of a blind one's): 0/40 verdict flips either way; in the 6-motion
  check a swapped inferred vector flips a blind (0.05) model to "correct by rotation" 4/40 (one
  of two motions along the blind axis: any estimator is fooled; not counted).
- Power with 6 motions (not asserted: the data cannot do better): σ_min 0 or 0.1 called fine
  ~70 % at 12 mm scatter (the documented seen components' 0.3), ~2-30 % at 4-6 mm.
- Blind 0.1 with 14 motions and az 34 length errors, far camera with 14 motions: breaker43i's
  tests pass (0/300, 4.5 %).
- Numpy's Generator stream may change across numpy versions (NEP 19); not testable here.
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from test_breaker43i import _map

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_reasons import move_reason
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.eval.camera_check_weakest import MIN_DIRECTION_MOTIONS, weakest_direction

SIX = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1]],
                      dtype=np.float64)


def _says_move(executed, inferred, thresholds):
    """Whether the weakest-direction rule alone says "move the camera" (as ``move_reason``)."""
    weakest = weakest_direction(executed, inferred, thresholds.confidence)
    fine_axes = {axis: 1.0 for axis in "xyz"}
    reason = move_reason(thresholds, fine_axes, 1.0, fine_axes, 0.0, "full", weakest=weakest)
    return reason is not None


SIX_REASON = "6 motions: too few to judge directions off the axes (at least 10)"


@pytest.mark.parametrize("singular_values", [(0.35, 0.35, 0.35), (1.0, 1.0, 0.3)])
def test_six_motions_a_model_that_sees_enough_is_rarely_told_to_move(singular_values):
    """The 6-motion offline check (docs/camera_placement_rows.json: ±x, ±y, ±z, 4 cm).

    Lab: a bag of the six axis motions, the documented rows' kind; a camera far from the arm
    (35 % of every motion) or one that sees exactly 30 % along one direction, 6 mm scatter per
    component (0.15 of the length: the rows' fitted residuals are 0.1-0.6 per component). At
    confidence 0.95 at most 5 % of such placements may be told to move; the bootstrap from six
    residual vectors (3 degrees of freedom per component) said "move" in ~14 % / ~12 %.

    fix43k: with 6 motions the 95 % claim cannot be honoured, so the weakest direction is not
    judged: it is reported with its reason (``not_judged``, in the JSON too) and no placement is
    told to move by it; the axis rules' own verdict stands (here every axis sees >= 30 %, so the
    check's verdict never names the fitted map).
    """
    thresholds = CheckThresholds()
    rng = np.random.default_rng(0)
    trials, moved = 200, 0
    for trial in range(trials):
        inferred = SIX @ _map(singular_values, rng).T + rng.normal(0, 0.006, SIX.shape)
        moved += _says_move(SIX, inferred, thresholds)
        if trial < 20:
            result = check_motions(SIX, inferred, thresholds)
            assert result.weakest_direction["not_judged"] == SIX_REASON
            assert "linear map fitted" not in result.explanation, result.explanation
    assert moved == 0, f"{moved}/{trials} placements told to move by the weakest direction"


# a 6-motion bag near the floor (map U·diag(1, 1, 0.2)·Vᵀ, 8 mm scatter), 6 decimals as the rows
NEAR_FLOOR = np.array([[0.028107, -0.02095, -0.005545], [-0.026523, 0.025062, 0.025426],
                       [0.021662, 0.000364, -0.023151], [-0.034226, 0.005633, 0.010051],
                       [-0.019249, -0.030253, 0.006041], [0.01985, 0.035225, -0.006713]])


def test_the_same_motions_give_the_same_verdict_whatever_their_storage_and_order():
    """The same six motions, stored as float32 or listed in another order, keep their verdict.

    Lab: the inferred motions come from the model as float32 tensors (GPU or CPU, last bits
    differ) and a bag or a saved row may hold them as float32 or in another order (a rerun with
    ``bench_camera_verdict.py``, a teleop bag read by time). The values agree to 1e-9 m, nothing
    a camera can tell apart; the seed (CRC of the float64 bytes, in the motions' order) differs,
    the bootstrap draws other resamples and the bound moves by more than its 1e-4 tolerance:
    0.338 ("placement fine") as float64 (0.344 reversed), 0.289 ("move the camera") as float32
    and in the order x, z, y. The bound should
    move by at most ~0.01 and the verdict not at all.

    fix43k: a fixed seed on the motions in canonical order: 0.3412 each way (float32: 1e-8 off).
    (6 motions: reported, not judged; the bound is the same function of the data at any count.)
    """
    order = [0, 1, 4, 5, 2, 3]
    bounds = {
        "float64": weakest_direction(SIX, NEAR_FLOOR).bound,
        "float32": weakest_direction(SIX.astype(np.float32), NEAR_FLOOR.astype(np.float32)).bound,
        "reversed": weakest_direction(SIX[::-1], NEAR_FLOOR[::-1]).bound,
        "x, z, y": weakest_direction(SIX[order], NEAR_FLOOR[order]).bound,
    }
    assert len({bound < 0.3 for bound in bounds.values()}) == 1, bounds
    assert max(bounds.values()) - min(bounds.values()) <= 0.01, bounds


def test_one_lost_motion_does_not_make_the_six_motion_bound_overconfident():
    """The 6-motion check with the +z motion's inference lost (NaN: dropped, 5 motions left).

    Lab: one search of the six returned NaN (a frame missing, a failed plan) and the check goes on
    with the rest, as ``check_motions`` does. -z alone measures the map along z (leverage 1); the
    model infers 35 % there (U·diag(1, 1, 0.35), 6 mm scatter), above the floor. At 95 % at most
    5 % should be told to move (5.5 % with all six); with -z alone ~15 %: its residual is set to 0
    and resampled as such, and the other motions' residuals say nothing of its spread.

    fix43k: 5 motions are too few (below 10), and -z alone measures z: not judged, the reason
    given, nobody told to move by this rule.
    """
    thresholds = CheckThresholds()
    rng = np.random.default_rng(1)
    trials, moved = 200, 0
    for _ in range(trials):
        seen = Rotation.random(random_state=rng.integers(1 << 30)).as_matrix() @ np.diag(
            [1.0, 1.0, 0.35])
        inferred = SIX @ seen.T + rng.normal(0, 0.006, SIX.shape)
        inferred[4] = np.nan
        moved += _says_move(SIX, inferred, thresholds)
    weakest = weakest_direction(SIX, inferred)
    assert weakest.not_judged.startswith("5 motions: too few"), weakest.not_judged
    assert moved == 0, f"{moved}/{trials} placements told to move by the weakest direction"


def _plane_and_one(count):
    """``count`` - 1 motions in the table's plane (evenly round), one +z: it alone measures z."""
    angles = np.linspace(0, 2 * np.pi, count - 1, endpoint=False)
    plane = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], axis=1)
    return 0.04 * np.vstack([plane, [[0.0, 0.0, 1.0]]])


def test_enough_motions_but_one_alone_along_a_direction_is_not_judged():
    """fix43k: 13 motions, 12 round the table's plane and one +z: the fit along z is that motion.

    Its leverage is 1 (residual 0): nothing measures the scatter along z, the bound would be as
    overconfident as breaker's case 3. Not judged, the motion named; with a second z motion
    (-z, leverage 0.5 each) and enough motions it is judged again.
    """
    executed = _plane_and_one(13)
    inferred = executed @ np.diag([1.0, 1.0, 0.2]).T
    weakest = weakest_direction(executed, inferred)
    assert "+z motion alone" in weakest.not_judged and "leverage 1.00" in weakest.not_judged
    executed = np.vstack([executed, [[0.0, 0.0, -0.04]]])
    inferred = executed @ np.diag([1.0, 1.0, 0.2]).T
    weakest = weakest_direction(executed, inferred)
    assert weakest.not_judged == "" and weakest.name == "+z/-z" and weakest.bound < 0.3


def test_the_default_live_check_is_judged_and_nine_motions_are_not():
    """fix43k: the live check's 14 motions (corners on) qualify; 9 usable ones (5 lost) do not."""
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig, motion_directions

    config = CheckMotionConfig()
    executed = 0.04 * np.array([d for _, d in motion_directions(config.diagonals,
                                                                config.corners)])
    assert len(executed) == 14 and MIN_DIRECTION_MOTIONS == 10
    front = np.array([1.0, 0.0, -1.0]) / np.sqrt(2.0)  # blind along a camera in front, 45° down
    inferred = executed @ (np.eye(3) - 0.9 * np.outer(front, front)).T
    result = check_motions(executed, inferred)
    assert result.weakest_direction["not_judged"] == ""
    assert "move the camera" in result.explanation and "+x-z/-x+z" in result.explanation
    inferred[:5] = np.nan
    weakest = weakest_direction(executed, inferred)
    assert weakest.not_judged == ("9 motions: too few to judge directions off the axes "
                                  "(at least 10)")
