"""Session 55's leftovers of the camera check (mend56y).

1. a correction typed in radians (``control.model_frame_rpy_deg`` [0, 0, 1.57]) is read as
   degrees without a word: a note names the setting and the degrees it would be;
2. an "undecided" verdict deleted an earlier check's correction: it is moved aside, said;
3. the live ``~/camera_check`` gave none of the offline command's caveats (demo model,
   marginal verdict): one writer for both;
4. ``camera_check.motion.timeout_s``'s description said nothing of the stale hold it bounds;
5. a pose topic whose frame_id switches between two base frames was judged by its first one.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.eval.camera_check_keep import PREVIOUS_FILE, written_rotation
from vjepa_ros.eval.camera_check_report import PARAMS_FILE, save_check
from vjepa_ros.eval.camera_check_result import Verdict

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE, TABLE  # noqa: E402
from test_fix55b import _check, _turned  # noqa: E402  the motions' check, a turned model

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_timeout_description_says_it_bounds_a_stale_hold():
    from vjepa_ros.robot.camera_check_motions import CheckMotionConfig

    (field,) = [f for f in dataclasses.fields(CheckMotionConfig) if f.name == "timeout_s"]
    words = field.metadata["description"]
    assert "stale" in words and "stops" in words, words


# --- 1. a correction typed in radians ----------------------------------------------------------

@pytest.mark.parametrize("typed, meant", [([0, 0, 1.5708], "[0, 0, 90]"),
                                          ([0, 0, 0.05], "[0, 0, 2.9]"),
                                          ([0.1, -0.2, -3.1], "[5.7, -11.5, -177.6]"),
                                          ([3.1416, 0, 0], "[180, 0, 0]")])
def test_a_correction_only_plausible_in_radians_is_said_with_its_degrees(typed, meant):
    from vjepa_ros.robot.model_frame import ModelFrame
    from vjepa_ros.robot.model_frame_units import radians_words

    words = radians_words(typed, 10.0)
    angle = ModelFrame(typed).angle_deg
    assert words.startswith(f"control.model_frame_rpy_deg [{', '.join(f'{v:g}' for v in typed)}]"
                            f" is read in degrees: a {angle:.3g}° rotation, below the 10° a "
                            "camera check calls placement fine"), words
    assert words.endswith(f"if these are radians, give {meant} (degrees)"), words


@pytest.mark.parametrize("rpy", [[0, 0, 0], [0, 0, 360], [180, 180, 180], [0, 0, 45],
                                 [0, 0, -7], [12.5, 0, 0], [float("nan"), 0, 0]])
def test_corrections_in_degrees_none_and_bad_angles_are_not_said_to_be_radians(rpy):
    from vjepa_ros.robot.model_frame_units import radians_words

    assert radians_words(rpy, 10.0) == ""


def test_a_rotation_past_fine_deg_is_a_checks_correction_not_radians():
    """[6, 6, 6] turns 10.4° in degrees: past the default 10° a check writes it; not past 12°."""
    from vjepa_ros.robot.model_frame_units import radians_words

    assert radians_words([6, 6, 6], 10.0) == ""
    words = radians_words([6, 6, 6], 12.0)
    assert "below the 12° a camera check calls placement fine" in words, words
    assert "give [343.8, 343.8, 343.8]" in words, words


@pytest.mark.parametrize("fine_deg, rpy", [(4.0, [0.0, 0.0, 5.0]), (2.0, [0.0, 0.0, -2.5]),
                                           (1.0, [1.0, 1.0, 0.0])])
def test_a_small_correction_a_check_with_its_fine_deg_wrote_is_not_warned(fine_deg, rpy):
    """review56r: [0, 0, 5] from a check with ``fine_deg`` 4 was called radians at every start.

    The file a check writes sets its ``camera_check.verdict.fine_deg`` beside the correction;
    a rotation past it is one such a check writes: read in degrees, nothing said.
    """
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    config = PlannerNodeConfig()
    config.control.model_frame_rpy_deg = rpy
    config.camera_check.verdict.fine_deg = fine_deg
    assert not any("radians" in w for w in config.startup_warnings()), config.startup_warnings()


def test_the_start_up_warning_quotes_the_configured_fine_deg():
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    config = PlannerNodeConfig()
    config.control.model_frame_rpy_deg = [0.0, 0.0, 1.5708]
    config.camera_check.verdict.fine_deg = 6.0
    (said,) = [w for w in config.startup_warnings() if "radians" in w]
    assert "below the 6° a camera check calls placement fine" in said, said


def test_the_planner_warns_at_start_up_of_a_correction_typed_in_radians():
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    config = PlannerNodeConfig()
    assert not any("radians" in w for w in config.startup_warnings())
    config.control.model_frame_rpy_deg = [0.0, 0.0, 1.5708]
    (said,) = [w for w in config.startup_warnings() if "radians" in w]
    assert said.startswith("control.model_frame_rpy_deg [0, 0, 1.5708] is read in degrees")


@pytest.mark.parametrize("inferred", ["same", "turned"])
def test_the_check_says_the_correction_in_force_looks_typed_in_radians(inferred):
    """Said where the check measured the radians reading; not where it measured the degrees one.

    "same": the camera as trained, the 1.57° read in degrees within fine_deg of what the
    check measured: nothing to change, and no radians advice (fix56g: it advised [0, 0, 90]).
    """
    from vjepa_ros.eval.camera_check_in_force import in_force_words

    result = _check(LIVE, LIVE if inferred == "same" else _turned((0, 0, 90)))
    words = in_force_words([0.0, 0.0, 1.5708], result, "this planner runs with", "restart it")
    assert words.startswith("this planner runs with control.model_frame_rpy_deg"), words
    if inferred == "same":
        assert "nothing to change" in words and "radians" not in words, words
    else:
        assert words.endswith("if these are radians, give [0, 0, 90] (degrees)"), words
    assert in_force_words([0.0, 0.0, 90.0], result, "it runs with", "restart it").count(
        "radians") == 0


# --- 2. an undecided verdict keeps an earlier correction aside ---------------------------------

def test_an_undecided_verdict_moves_an_earlier_correction_aside_and_says_where(tmp_path):
    rotated = _check(LIVE, _turned((0, 0, 45)))
    save_check(rotated, tmp_path, {}, plot=False)
    kept = rotated.correction_rpy_deg
    undecided = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))  # tabletop mirror
    assert undecided.verdict == Verdict.UNDECIDED
    written, saved = save_check(undecided, tmp_path, {}, f" in {tmp_path}", plot=False)
    assert written.params is None and not (tmp_path / PARAMS_FILE).exists()  # not loadable
    assert written.previous == tmp_path / PREVIOUS_FILE
    assert np.allclose(written_rotation(tmp_path / PREVIOUS_FILE), kept)  # not lost
    assert str(tmp_path / PREVIOUS_FILE) in saved.kept and "undecided" in saved.kept
    assert "[0.0, 0.0, 45.0]" in saved.kept, saved.kept
    assert saved.undecided == f"no {PARAMS_FILE}: the verdict is undecided"  # nothing removed


@pytest.mark.parametrize("earlier", ["# no parameters\n", "/**:\n  ros__parameters:\n    control:"
                                     "\n      model_frame_rpy_deg: [0.0, 0.0, 360.0]\n"])
def test_an_undecided_verdict_removes_an_earlier_file_without_a_correction_and_says_so(
        tmp_path, earlier):
    (tmp_path / PARAMS_FILE).write_text(earlier)
    undecided = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))
    written, saved = save_check(undecided, tmp_path, {}, plot=False)
    assert written.previous is None and not (tmp_path / PREVIOUS_FILE).exists()
    assert not (tmp_path / PARAMS_FILE).exists() and not saved.kept
    assert saved.undecided.endswith("(the one an earlier check left was removed)")


# --- 3. the live check's caveats: one writer with the offline command ---------------------------

AXIS_MOTIONS = 0.04 * np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1],
                                [0, 0, -1]], dtype=float)
MARGINAL = [0.8, 1.2, 1.3, 0.7, 1.4, 1.606]  # z 150.3 %, lengths scattered ±30 % (mend55c)


class _Run:
    """A live check that has ended with ``result`` (``MPCSession.start_camera_check``'s run)."""

    def __init__(self, result):
        import threading

        self.done, self.result = threading.Event(), result
        self.done.set()
        self.labels, self.image_topic, self.left = [], "/camera/image_raw", ""


def _live_answer(tmp_path, checkpoint: str, result) -> str:
    """Return the ``~/camera_check`` answer of a node with ``model.checkpoint``, ``result``.

    The service's own code; its node faked (no ROS graph), its check ended with ``result``.
    """
    from types import SimpleNamespace

    from vjepa_ros.nodes.camera_check_service import CameraCheckService
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    config = PlannerNodeConfig()
    config.model.checkpoint = checkpoint
    logged = []
    node = SimpleNamespace(
        config=config, closing=False, worker=SimpleNamespace(wake=lambda: None),
        session=SimpleNamespace(start_camera_check=lambda *settings: _Run(result)),
        get_logger=lambda: SimpleNamespace(info=logged.append, warning=logged.append),
        has_parameter=lambda name: False)  # (no rclpy parameters: none written, fix57c)
    service = CameraCheckService.__new__(CameraCheckService)  # no helper node, no spinner
    service.node, service.start = node, tmp_path  # (the folder relative paths are from)
    response = service._check(SimpleNamespace(success=None, message=""), tmp_path)
    assert response.success and logged == [f"camera check: {response.message}"]
    return response.message


def _marginal():
    result = _check(AXIS_MOTIONS, AXIS_MOTIONS * np.asarray(MARGINAL)[:, None])
    assert result.verdict == Verdict.MOVE and result.length_cause, result.explanation
    return result


@pytest.mark.parametrize("checkpoint", ["demo", "packaged"])
def test_the_live_check_of_the_demo_model_gives_the_commands_notes(tmp_path, checkpoint):
    from vjepa_ros.eval.camera_check_caveats import DEMO_WORDS, check_caveats
    from vjepa_ros.sim.reach_config import resolve_checkpoint

    if checkpoint == "packaged":  # the packaged file's path, as a parameter file may give it
        checkpoint = str(resolve_checkpoint(""))
    result = _marginal()
    message = _live_answer(tmp_path / "check", checkpoint, result)
    notes = check_caveats(result, demo=True)
    assert notes[0] == DEMO_WORDS and "marginal" in notes[1]
    for note in notes:  # the offline command's lines, word for word
        assert f"; note: {note}; " in message, message
    header = (tmp_path / "check" / PARAMS_FILE).read_text()
    assert all(f"# note: {note}" in header for note in notes), header


def test_the_live_check_of_another_model_gives_only_the_marginal_note(tmp_path):
    from vjepa_ros.eval.camera_check_caveats import DEMO_WORDS

    trained = tmp_path / "trained.pt"
    trained.write_bytes(b"not read here")
    message = _live_answer(tmp_path / "check", str(trained), _marginal())
    assert DEMO_WORDS not in message and message.count("; note: the verdict is marginal") == 1
    fine = _live_answer(tmp_path / "fine", str(trained),
                        _check(AXIS_MOTIONS, AXIS_MOTIONS))
    assert "note:" not in fine, fine


def test_the_command_and_the_live_check_take_their_notes_from_one_writer(tmp_path):
    from vjepa_ros.eval.camera_check_caveats import world_model_caveats

    result = _marginal()
    _, saved = save_check(result, tmp_path, {}, world_model="demo", plot=False)
    assert list(saved.notes) == world_model_caveats(result, "demo")
    assert saved.parts()[:2] == [f"note: {note}" for note in saved.notes]


# --- 5. a pose topic switching between two base frames ------------------------------------------

@pytest.mark.parametrize("first, then", [("left_fr3_link0", "right_fr3_link0"),
                                         ("base", "left_fr3_link0"),
                                         ("/right_fr3_link0", "fr3_link0")])
def test_poses_switching_between_two_arms_bases_are_refused_naming_both(tmp_path, first, then):
    """Each frame is a base frame, but of another arm: the first one judged the whole bag."""
    from train_bags import _pose_bag

    from vjepa_ros.recordings.bag_files import BagError
    from vjepa_ros.recordings.bags import read_recording

    bag = _pose_bag(tmp_path / "bag", lambda k: first if k < 4 else then)
    with pytest.raises(BagError) as refused:
        read_recording(bag)
    message = str(refused.value)
    assert "changes its header.frame_id within the bag" in message, message
    assert f"'{first}' from message 1" in message and f"'{then}' from message 5" in message


@pytest.mark.parametrize("first, then", [("base", "/base"), ("base", "fr3_link0"),
                                         ("fr3_link0", "")])
def test_poses_in_one_base_frame_however_spelled_are_read(tmp_path, first, then):
    """Read one base frame however spelled: ``/base``, or ``base`` and a lone arm's ``fr3_link0``.

    franka_description joins those two at 0 0 0; an empty frame_id is taken as the base (noted).
    """
    from train_bags import _pose_bag

    from vjepa_ros.recordings.bags import read_recording

    bag = _pose_bag(tmp_path / "bag", lambda k: first if k < 4 else then)
    recording = read_recording(bag)
    assert recording.state_frame == first.lstrip("/") and len(recording.states) == 8
