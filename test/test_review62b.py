"""review62b: defects found reading the second half of session 62's merged change.

Each test was a strict xfail naming its defect; fix62e fixed the four and added the tests of their
families (an explicit landscape step lost, the counts said of the steps planned, camera-check's
refusal when too few motions keep their frames). The bags are test_fix62b's / test_breaker62b's
(20 frames at 4 Hz, each goal the next frame; a JPEG cut short where asked).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_breaker62b import POSE, _entries
from test_fix62b import _bag, _cut_jpeg, _eval

from vjepa_ros.cli import main
from vjepa_ros.nodes.goal_pose_box import outside_box_refusal
from vjepa_ros.recordings import messages as m
from vjepa_ros.recordings.bag_writing import write_messages
from vjepa_ros.robot.safety import SafetyLimits


def test_the_landscape_is_computed_when_the_first_frame_does_not_decode(tmp_path, capsys):
    """Eval a bag whose first JPEG is cut short, with the default landscape step (-1).

    What happens: eval drops step 0 (its frame is lost) and evaluates steps 1..18, but the
    landscape step was fixed to step 0 before the frames were decoded, so no step computes it:
    ``report["landscape"]`` is None and nothing says why (the landscape plot is missing too).
    What should happen: ``landscape_step`` -1 is "the first evaluated step", step 1 here; an
    explicit step that is dropped should be said, not skipped silently.
    """
    bag = _bag(tmp_path / "bag", _cut_jpeg({0}), True)
    status = main(["eval", str(bag), "--samples", "8", "--iterations", "1", "--topk", "2",
                   "--no-plots", "--quiet", "--landscape-points", "3",
                   "--out", str(tmp_path / "ev")])
    err = capsys.readouterr().err
    assert status == 0, err
    report = json.loads((tmp_path / "ev" / "report.json").read_text())
    first = report["steps"][0]["step"]
    assert first == 1  # step 0 dropped with its frame (fix62b)
    assert report["landscape"] is not None and report["landscape"]["step"] == first


def test_the_refusal_does_not_say_no_frame_decodes_when_half_of_them_do(tmp_path, capsys):
    """Eval a bag whose every other JPEG (10 of 20) is cut short.

    What happens: every step needs its frame and the next (its goal), so no step is left and
    eval refuses, status 1, with ``no frame decodes: 10 frames on ... did not decode`` (inspect
    says the same): the user reads that the camera topic is wholly unreadable, while 10 frames
    decoded. What should happen: the refusal says that no step has both its frame and its goal
    frame decoded (10 of 20 frames lost), not that no frame decodes.
    """
    bag = _bag(tmp_path / "bag", _cut_jpeg(set(range(0, 20, 2))), True)
    status, err = _eval(bag, tmp_path / "ev", capsys)
    assert status == 1 and "10 frames on" in err and "Traceback" not in err, err
    assert "no frame decodes" not in err, err
    assert "no step has both its frame and its goal frame decoded" in err, err
    assert "10 of the 20 frames the steps need decoded" in err, err
    assert main(["inspect", str(bag), "--json"]) == 0  # inspect gives eval's verdict
    refuses = json.loads(capsys.readouterr().out)["sources"][0]["eval"]["refuses"]
    assert refuses and refuses in err, (refuses, err)


@pytest.mark.parametrize("position, low, high, widened", [
    ([1.47, 0.0, 0.4], [0.25, -0.45, 0.05], [0.8, 0.45, 0.7], "[1.5, 0.45, 0.7]"),
    ([1.48, 0.5, 0.4], [0.25, -0.45, 0.05], [1.5, 0.45, 0.7], "[1.5, 0.55, 0.7]"),
], ids=["x-1.47-m", "inside-on-x-beyond-on-y"])
def test_goal_pose_advice_widens_a_box_that_can_reach_the_goal(position, low, high, widened):
    """``planner goal-pose`` of a position beyond the box that a box within ±1.5 m holds.

    What happens: any coordinate past 1.45 m (REACH_M less the widen margin; also one inside
    the box already, x 1.48 of a box reaching 1.5) makes the refusal say "give a pose inside
    the box, as no box reaches past ±1.5 m", though ``safety.workspace_max`` x 1.5 is a box
    the planner takes (``workspace_box.box_problem`` refuses past 1.5 only). What should
    happen: the restart that widens the box (its corner capped at 1.5 m) is named.
    """
    SafetyLimits(workspace_min=low, workspace_max=widened_list(widened))  # a box it takes
    said = outside_box_refusal(position, low, high)
    assert said.startswith("goal pose")
    assert f"safety.workspace_max:='{widened}'" in said, said


def widened_list(text: str) -> list[float]:
    """Return ``[a, b, c]`` text as floats."""
    return [float(v) for v in text.strip("[]").split(",")]


def _turning_state(k: int) -> np.ndarray:
    """Return the hand's state at step ``k``: out and back 1.5 cm along x, y, z in turn."""
    axis, sign = k % 3, (k // 3) % 2 * 2 - 1
    xyz = np.array([0.45, 0.0, 0.40]) + 0.015 * np.eye(3)[axis] * sign * (k % 2)
    return np.r_[xyz, np.pi, 0.0, 0.0, 0.0]


def _three_axis_bag(path, lost: set[int], state=_turning_state):
    """Write test_breaker62b's 4 Hz lab bag, compressed, its hand moving along x, y and z.

    ``state(k)``: the hand's state [8] at step k (default: :func:`_turning_state`).
    """
    entries, k = [], 0
    for topic, kind, t, message in _entries(image=_cut_jpeg(lost)):
        if topic == POSE:
            stamp = message.header.stamp.sec * 10**9 + message.header.stamp.nanosec
            message, k = m.pose_message(state(k), stamp, "base"), k + 1
        elif kind == m.IMAGE:
            topic, kind = f"{topic}/compressed", m.COMPRESSED_IMAGE
        entries.append((topic, kind, t, message))
    return write_messages(path, entries)


def test_camera_check_of_a_bag_reads_an_undecodable_frame_as_missing(tmp_path, capsys):
    """``vjepa-ros camera-check BAG`` of a bag whose JPEG 13 of 20 is cut short.

    What happens: the check refuses the whole bag, status 1, with ``message 13 (counting from
    1): cannot decode compressed image ...`` and no word of what to do; the same bag with that
    frame whole checks (status 0), and eval and train read such a frame as one never recorded
    since fix62b (docs/evaluation.md: "A frame that does not decode ... is read as a frame
    never recorded"). What should happen: the steps that need the frame are dropped, as eval
    drops them, with the one note naming the bag, the message and what to do.
    """
    def check(bag, out):
        status = main(["camera-check", str(bag), "--random-weights", "--samples", "8",
                       "--topk", "2", "--iterations", "1", "--min-motion", "0.004", "--quiet",
                       "--out", str(out)])
        return status, capsys.readouterr()

    whole, _ = check(_three_axis_bag(tmp_path / "whole", set()), tmp_path / "c0")
    assert whole == 0  # the bag checks with every frame whole
    status, said = check(_three_axis_bag(tmp_path / "cut", {12}), tmp_path / "c1")
    assert status == 0, said.err
    assert "did not decode" in said.out + said.err


def _eval_lost(tmp_path, lost: set[int], **config):
    """Evaluate a bag, JPEGs ``lost`` cut short, whose hand pauses every other step.

    Return (the report, the steps ``before_planning`` was called with).
    """
    import torch
    from test_eval_evaluate import tiny_world_model

    from vjepa_ros.eval.evaluate import EvalConfig, evaluate_recording
    from vjepa_ros.planning import preset
    from vjepa_ros.recordings.bags import read_recording

    def pausing(k):  # 1 cm along x every other step: the steps from an even k stand still
        return np.r_[0.45 + 0.01 * (k // 2), 0.0, 0.40, np.pi, 0.0, 0.0, 0.0]

    recording = read_recording(_three_axis_bag(tmp_path / "bag", lost, pausing))
    torch.set_num_threads(1)
    noted = []
    report = evaluate_recording(recording, tiny_world_model(),
                                preset("paper", samples=8, iterations=1, topk=2),
                                EvalConfig(landscape_points=3, **config),
                                before_planning=noted.append)
    return report, noted


def test_an_explicit_landscape_step_whose_frame_is_lost_is_refused_in_one_line(tmp_path):
    """``landscape_step`` 5 of a bag whose JPEG 6 is cut short (review62b #1's explicit step).

    Step 5 is dropped with its frame, read as a frame never recorded, and a landscape step
    never evaluated is refused (``landscape_step ... is not an evaluated step``): the line says
    why, rather than a report without the landscape asked for.
    """
    with pytest.raises(ValueError) as refused:
        _eval_lost(tmp_path, {5}, landscape_step=5)
    said = str(refused.value)
    assert "\n" not in said and said.startswith("landscape_step 5 is not an evaluated step: its "
                                                "frame or its goal frame did not decode"), said


def test_the_cost_note_and_the_step_notes_count_the_steps_planned(tmp_path):
    """Eval of a bag whose JPEGs 1 and 8 are cut short: 4 of its 19 steps are dropped.

    ``before_planning`` (where eval prints its CPU cost note) gets the 15 steps planned, not
    the 19 chosen before the frames decoded; the landscape is at the first planned step (2);
    the note on the steps standing still counts the 8 of the 15 planned (steps 2, 4, 6, 10,
    ..., 18), not 10 of 19 as before the frames decoded.
    """
    report, noted = _eval_lost(tmp_path, {1, 8})
    planned = [record["step"] for record in report["steps"]]
    assert noted == [planned] and len(planned) == 15, (noted, planned)
    assert report["landscape"]["step"] == planned[0] == 2
    notes = report["recording"]["notes"]
    assert any("4 of 19 steps that need them dropped" in note for note in notes), notes
    assert any(note.startswith("8 of 15 evaluated steps moved less than") for note in notes), notes


def test_camera_check_refuses_in_one_line_when_too_few_motions_keep_their_frames(tmp_path,
                                                                                  capsys):
    """``camera-check BAG`` of the three-axis bag whose JPEGs 4..20 are all cut short.

    Only steps 0 and 1 keep both their frames: too few motions for a rotation, refused in one line
    (status 1, before planning) that says the check's own reason and which frames did not
    decode, not a traceback nor a verdict from three motions.
    """
    bag = _three_axis_bag(tmp_path / "cut", set(range(3, 20)))
    status = main(["camera-check", str(bag), "--random-weights", "--samples", "8", "--topk",
                   "2", "--iterations", "1", "--min-motion", "0.004", "--quiet",
                   "--out", str(tmp_path / "c")])
    err = capsys.readouterr().err.strip()
    assert status == 1 and "Traceback" not in err, err
    last = err.splitlines()[-1]
    assert str(bag) in last and "camera check:" in last and "17 frames on" in last, err
    assert "did not decode" in last and "re-record" in last, err
