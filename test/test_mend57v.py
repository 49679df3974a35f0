"""mend57v: leftovers of session 57's rounds.

1. The wait for a moving hand (``planning_session._hand_moving``) counts from the gripper
   command (sent or resent) in streamed ticks, as fix57d's arrival rule: a stalled node or a
   wall clock stepped forward is no time the hand had to close.
2. A stopped ``eval`` / ``camera-check`` keeps an earlier partial report that measured more
   (steps; motions), as it keeps a complete one, and says so.
3. A partial ``camera_check.json`` carries the world model's caveats (``notes``) as a whole one.
"""

import json

import pytest
from test_breaker51k import HandRig
from test_eval_stopped import FAST, QUICK, _moving_bag, _run, _stop_after
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.eval.camera_check_caveats import DEMO_WORDS

CARRY = [0.03, 0, 0, 0, 0, 0, 0]


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("mode", ["blocking", "async"])
@pytest.mark.parametrize("jump", [12.0, 300.0])
def test_a_node_clock_jump_mid_close_is_no_time_for_the_hand(model, mode, jump):
    """A hand closing at 0.5/s (2 s), the node clock jumps ``jump`` s when it is at ~0.25.

    Before mend57v the next plan came on the first frame after the jump (the node clock past
    ``arrival_timeout_s`` 10 s since the command), from the hand at ~0.3, and its gripper
    command stopped the close there. Now the plan waits for the hand to finish its close.
    """
    rig = HandRig(model, mode, [[0.03, 0, 0, 0, 0, 0, 1.0], CARRY], hand_rate=0.5,
                  async_blend_m=0.0)
    rig.session.stream_clock = rig.clock.steady
    assert rig.session.plan_step().gripper_command == 1.0
    rig.run(50)
    assert 0.2 < rig.arm[6] < 0.3 and len(rig.sent) == 1
    rig.clock.now += jump
    rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    rig.session.observe_image(frame(999), rig.clock.now)
    rig.next_frame = rig.clock.now + 0.1
    rig.run(300)
    commands = [r.gripper_command for _, r in rig.sent if r.gripper_command is not None]
    assert len(rig.sent) >= 2, [r.reason for r in rig.reports[-3:]]
    assert commands == [1.0] and rig.arm[6] > 0.95, (commands, rig.arm[6])
    assert all(r.start[6] > 0.85 for _, r in rig.sent[1:]), [r.start[6] for _, r in rig.sent]


# 2. An earlier partial report that measured more stays (as a complete one does); 3. a partial
# camera_check.json carries the world model's caveats as a whole one (one writer).

def _eval(capsys, bag, out, monkeypatch, plans):
    monkeypatch.undo()
    _stop_after(monkeypatch, plans, KeyboardInterrupt)
    return _run(capsys, "eval", bag, *QUICK, "--out", str(out))


def test_a_stopped_eval_keeps_an_earlier_partial_report_that_measured_more(
        tmp_path, monkeypatch, capsys):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "out"
    code, _, err = _eval(capsys, bag, out, monkeypatch, 4)
    assert code == 130 and "partial report saved (4 of 11" in err, err
    four = (out / "report.json").read_text()
    code, _, err = _eval(capsys, bag, out, monkeypatch, 1)
    assert code == 130 and err.splitlines()[-1] == (
        f"vjepa-ros eval: interrupted; nothing saved: {out}/report.json is an earlier partial "
        "run's that measured more (4 of 11 steps; stopped (interrupted)), kept (the 1 of 11 "
        "steps measured are not written over it; give another --out to keep a partial one)"), err
    assert (out / "report.json").read_text() == four
    for plans in (4, 6):  # as many, or more: the newer replaces it
        code, _, err = _eval(capsys, bag, out, monkeypatch, plans)
        assert code == 130 and f"partial report saved ({plans} of 11" in err, err
        report = json.loads((out / "report.json").read_text())
        assert report["partial"]["steps_evaluated"] == plans


def _demo_check(capsys, bag, out, monkeypatch, plans):
    monkeypatch.undo()
    _stop_after(monkeypatch, plans, KeyboardInterrupt)
    return _run(capsys, "camera-check", bag, "--checkpoint", "demo", "--no-gripper", *FAST,
                "--out", str(out))


def test_a_stopped_camera_check_keeps_an_earlier_partial_with_more_motions_and_its_caveats(
        tmp_path, monkeypatch, capsys):
    bag = _moving_bag(tmp_path / "bag")
    out = tmp_path / "check"
    code, printed, err = _demo_check(capsys, bag, out, monkeypatch, 11 + 2)  # in search 2
    assert code == 130 and "the per-axis agreement of 11 motion(s)" in err, err
    report = json.loads((out / "camera_check.json").read_text())
    assert report["notes"] and report["notes"][0] == DEMO_WORDS, report.get("notes")
    assert f"note          {DEMO_WORDS}" in printed, printed
    eleven = {path.name: path.read_bytes() for path in out.iterdir()}
    code, _, err = _demo_check(capsys, bag, out, monkeypatch, 6)  # search 1: 6 motions
    assert code == 130 and err.splitlines()[-1] == (
        f"vjepa-ros camera-check: interrupted; nothing saved: {out}/camera_check.json is an "
        "earlier partial run's that measured more (11 motion(s)), kept (the 6 motion(s) "
        "measured are not written over it; give another --out to keep a partial one)"), err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == eleven
    (out / "camera_check.json").write_text(
        (out / "camera_check.json").read_text().replace('"motions": 11', '"motions": 5'))
    code, _, err = _demo_check(capsys, bag, out, monkeypatch, 6)
    assert code == 130 and "partial check saved (search 1 of 2: 6 of 11" in err, err
    report = json.loads((out / "camera_check.json").read_text())
    assert report["motions"] == 6 and report["notes"][0] == DEMO_WORDS
