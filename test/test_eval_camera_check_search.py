"""A camera check whose search is too weak says "undecided" and writes no correction.

The motions of a weak search can fit one rotation consistently (its error is partly the same for
every motion), so the identity test alone calls a wrong rotation certain: the demo model on a
default-placement bag at samples 32 / iterations 2 said "correct by rotation", 47.8°, p 0.003
(docs/camera_placement.md, Session 19). Two independent searches of the same motions expose it.
"""

import json
from types import SimpleNamespace

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_report import PARAMS_FILE, summary_lines, write_check
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_search import MAX_SEARCH_SPREAD_DEG, search_spread
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds

MOTIONS = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1], [0, 0, -1],
                           [1, 1, 1], [-1, 1, -1], [1, -1, -1], [-1, -1, 1]], dtype=float)
TURN = Rotation.from_euler("z", 45, degrees=True)  # a consistent, wrong frame: 45° about z


def _turned(motions, rotation, noise_deg, seed):
    """Return the motions turned by ``rotation``, then each by ``noise_deg`` (random way)."""
    turned = rotation.apply(motions)
    axes = np.cross(turned, np.random.default_rng(seed).normal(size=motions.shape))
    axes /= np.linalg.norm(axes, axis=1, keepdims=True)  # perpendicular: turns by exactly that
    return Rotation.from_rotvec(axes * np.radians(noise_deg)).apply(turned)


CONSISTENT = _turned(MOTIONS, TURN, 5.0, 0)  # one search: a 45° frame, 5° scatter
AGREEING = _turned(MOTIONS, TURN, 5.0, 1)  # a second search that finds the same
DISAGREEING = _turned(MOTIONS, Rotation.identity(), 60.0, 2)  # one that finds something else
SHARES = np.full(len(MOTIONS), 0.3)


def test_two_disagreeing_searches_make_a_confident_rotation_undecided():
    alone = check_motions(MOTIONS, CONSISTENT, explained=SHARES)
    assert alone.verdict == Verdict.ROTATE and alone.uncertainty["p_value"] < 0.01
    result = check_motions(MOTIONS, CONSISTENT, explained=SHARES, repeat=DISAGREEING,
                           search_settings=(32, 2))
    assert result.verdict == Verdict.UNDECIDED
    assert result.correction == "none" and result.correction_rpy_deg == [0.0, 0.0, 0.0]
    assert result.search["too_weak"] and result.search["spread_deg"] > MAX_SEARCH_SPREAD_DEG
    assert "undecided: search too weak (samples 32, iterations 2)" in result.explanation
    assert "rerun with --samples >= 64 --iterations >= 4" in result.explanation
    # what the estimate was stays reported (the correction trial's candidate, the JSON)
    assert abs(result.candidate_angle_deg - 45) < 5


def test_agreeing_searches_keep_the_verdict():
    result = check_motions(MOTIONS, CONSISTENT, explained=SHARES, repeat=AGREEING,
                           search_settings=(64, 4))
    assert result.verdict == Verdict.ROTATE and not result.search["too_weak"]
    assert result.search["spread_deg"] < 10.5 and abs(result.correction_angle_deg - 45) < 5
    fine = check_motions(MOTIONS, _turned(MOTIONS, Rotation.identity(), 5.0, 3),
                         explained=SHARES, repeat=_turned(MOTIONS, Rotation.identity(), 5.0, 4))
    assert fine.verdict == Verdict.FINE


def test_the_searchs_own_error_widens_the_identity_test_below_the_limit():
    # a consistent 15° frame with little scatter: "certain" from the residuals alone; a second
    # search 12° away from each answer (below the 20° limit): a search error of 12 / 2 = 6° per
    # axis, shared by the motions in the worst case, and 15° is no longer told from none
    found = _turned(MOTIONS, Rotation.from_euler("z", 15, degrees=True), 3.0, 6)
    again = np.array([_turned(m[None], Rotation.identity(), 12.0, 7 + k)[0]
                      for k, m in enumerate(found)])
    alone = check_motions(MOTIONS, found, explained=SHARES)
    assert alone.verdict == Verdict.ROTATE and alone.uncertainty["p_value"] < 0.001
    result = check_motions(MOTIONS, found, explained=SHARES, repeat=again)
    assert not result.search["too_weak"] and result.search["spread_deg"] == pytest.approx(12.0)
    assert result.uncertainty["search_deg"] == pytest.approx(6.0)
    assert result.verdict == Verdict.FINE and result.uncertainty["p_value"] > 0.05
    assert "search error 6.0°" in "\n".join(summary_lines(result))


def test_a_model_that_explains_nothing_says_move_the_camera_whatever_the_search():
    result = check_motions(MOTIONS, CONSISTENT, explained=np.full(len(MOTIONS), 1e-5),
                           repeat=DISAGREEING)
    assert result.verdict == Verdict.MOVE and "does not see the motion" in result.explanation


def test_the_live_checks_parameters_are_named_without_settings():
    result = check_motions(MOTIONS, CONSISTENT, explained=SHARES, repeat=DISAGREEING)
    assert "raise planner.samples to >= 64 and planner.iterations to >= 4" in result.explanation


def test_an_undecided_verdict_writes_no_parameter_file_and_removes_an_old_one(tmp_path):
    old = tmp_path / PARAMS_FILE
    old.write_text("# a correction from an earlier check\n")
    result = check_motions(MOTIONS, CONSISTENT, explained=SHARES, repeat=DISAGREEING,
                           search_settings=(32, 2))
    written = write_check(result, tmp_path, {}, plot=False)
    assert written.params is None and not old.exists()
    saved = json.loads((tmp_path / "camera_check.json").read_text())
    assert saved["verdict"] == "undecided" and len(saved["inferred_repeat"]) == len(MOTIONS)
    lines = "\n".join(summary_lines(result))
    assert "verdict       UNDECIDED" in lines
    assert "search        two independent searches differ" in lines and "too weak" in lines
    assert "correction    none: no parameter file written" in lines


def test_search_spread_measures_the_angle_and_refuses_other_shapes():
    spread = search_spread(MOTIONS, _turned(MOTIONS, Rotation.identity(), 30.0, 5))
    assert spread.spread_deg == pytest.approx(30.0, abs=0.01) and spread.too_weak == (
        30.0 > MAX_SEARCH_SPREAD_DEG)
    with pytest.raises(ValueError, match=r"repeated search's motions must be \[N, 3\+\]"):
        check_motions(MOTIONS, CONSISTENT, CheckThresholds(), SHARES, repeat=MOTIONS[:4])


def _fake_evaluation(calls, labels=None):
    """Return an ``evaluate_recording`` stand-in: CONSISTENT first, then DISAGREEING.

    ``labels``: gets each search's progress bar label.
    """

    def evaluate(recording, model, cem, config, progress=False, before_planning=None,
                 progress_label="eval"):
        calls.append(config.seed)
        if labels is not None:
            labels.append(progress_label)
        if before_planning is not None:  # camera-check's cost note: before the first search only
            assert len(calls) == 1
            before_planning([0])
        found = CONSISTENT if len(calls) == 1 else DISAGREEING
        steps = [{"step": k, "executed_action": [*b, 0, 0, 0, 0],
                  "planned_action": [*m, 0, 0, 0, 0], "energy_planned": 0.7, "energy_still": 1.0}
                 for k, (b, m) in enumerate(zip(MOTIONS, found, strict=True))]
        return {"steps": steps, "summary": {"steps_evaluated": len(steps)},
                "planner": {"samples": cem.samples}, "model": {"torch_threads": 1}}

    return evaluate


def test_the_offline_check_searches_twice_with_independent_seeds(monkeypatch):
    import vjepa_ros.eval.camera_check_bag as bag
    from vjepa_ros.planning import preset

    calls, labels = [], []
    monkeypatch.setattr(bag, "evaluate_recording", _fake_evaluation(calls, labels))
    monkeypatch.setattr(bag, "check_executed_motions", lambda *args: None)
    monkeypatch.setattr(bag, "unchanged_steps",
                        lambda *args: bag.StaleSteps(dict.fromkeys(range(len(MOTIONS)), ""),
                                                     {}))  # no frames
    noted = []  # camera-check's cost note: once, before the first of the two searches
    result, report = bag.check_recording(SimpleNamespace(image_topic="/cam"), None,
                                         preset("paper", samples=32, iterations=2), seed=7,
                                         before_planning=noted.append)
    assert len(calls) == 2 and calls[0] == 7 and calls[1] != 7
    assert noted == [[0]]
    # each search's progress bar says which it is (mend50: both said "eval")
    assert labels == ["camera-check search 1 of 2", "camera-check search 2 of 2 (another seed)"]
    assert result.verdict == Verdict.UNDECIDED and report["summary"]["steps_evaluated"] == 10
    assert "(samples 32, iterations 2)" in result.explanation


@pytest.fixture(scope="module")
def sim_bag(tmp_path_factory):
    """Record a 12-frame scripted simulator bag (64x64) with ``vjepa-ros record``."""
    pytest.importorskip("pybullet", reason="pybullet is in install_requires")
    from vjepa_ros.cli import main

    path = tmp_path_factory.mktemp("camcheck_search") / "bag"
    assert main(["record", str(path), "--frames", "12", "--width", "64", "--height", "64",
                 "--seed", "3"]) == 0
    return path


def test_camera_check_command_prints_undecided_and_writes_no_correction(sim_bag, tmp_path,
                                                                       monkeypatch, capsys):
    import vjepa_ros.demo
    import vjepa_ros.eval.camera_check_bag as bag
    from vjepa_ros.cli import main

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model",
                        lambda *args, **kwargs: (object(), "weak search (test)"))
    monkeypatch.setattr(bag, "evaluate_recording", _fake_evaluation([]))
    out = tmp_path / "check"
    out.mkdir()
    (out / PARAMS_FILE).write_text("# an earlier check's correction\n")
    assert main(["camera-check", str(sim_bag), "--checkpoint", "demo", "--out", str(out),
                 "--quiet", "--no-plots", "--samples", "32", "--iterations", "2"]) == 0
    printed = capsys.readouterr().out
    assert "verdict       UNDECIDED" in printed
    assert "rerun with --samples >= 64 --iterations >= 4" in printed
    assert f"no {PARAMS_FILE}: the verdict is undecided (the one an earlier check left in" \
        in printed and "plans with" not in printed
    assert sorted(p.name for p in out.iterdir()) == ["camera_check.json"]
