"""fix55b: the rest of breaker55b's six camera-check families (test_breaker55b pins each case).

1. the correction in force against the check's: every verdict (fine, rotate alike or not,
   undecided), live and in the offline command's words;
2. a goal run refused whichever phase of its step, and accepted once cleared or done;
3. the bag's arm against the planner file's: poses and joint states, ``base``/link0 of one arm;
4. a camera frozen in the correction trial: the arm back at the start, the topic named;
5. tabletop motions: a mirror and a level half turn alike (undecided, z asked for); with lifts
   each is told apart;
6. the angles named are the correction's: the explanation, the file's header, the summary;
plus: a verdict with no correction keeps an earlier correction aside, the file names the camera.
"""

import math
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_frames import base_frame_problem
from vjepa_ros.eval.camera_check_in_force import in_force_words
from vjepa_ros.eval.camera_check_keep import PREVIOUS_FILE, written_rotation
from vjepa_ros.eval.camera_check_report import PARAMS_FILE, summary_lines, write_check
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.robot.camera_check_motions import CheckMotionConfig
from vjepa_ros.robot.camera_check_trial import CheckTrialConfig
from vjepa_ros.robot.kinematics import RobotConfig
from vjepa_ros.robot.phase import Phase

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import (  # noqa: E402
    LIVE,
    TABLE,
    CorrectedArm,
    FreezesAtTrial,
    _goal_run_between_steps,
    _noisy,
    _six_motion_check,
    camera_check_bag_for_file,
)
from test_robot_camera_check_live import NO_TRIAL  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")

LIFTS = np.r_[np.tile(TABLE, (3, 1)), [[0, 0, 0.04], [0, 0, -0.04]] * 2]


def _check(executed, inferred):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # align_vectors on degenerate fits
        return check_motions(executed, inferred, explained=np.full(len(executed), 0.9))


def _turned(rpy, motions=LIVE):
    return Rotation.from_euler("xyz", rpy, degrees=True).apply(motions)


# --- 1. the correction in force ---------------------------------------------------------------

def test_no_rotation_in_force_adds_nothing():
    result = _check(LIVE, _turned((0, 0, 40)))
    assert in_force_words([0.0, 0.0, 0.0], result, "this planner runs with", "restart") == ""


def test_a_rotation_in_force_equal_to_the_checks_needs_nothing():
    result = _check(LIVE, _turned((0, 0, 40)))
    words = in_force_words([0.0, 0.0, 40.0], result, "this planner runs with", "restart it")
    assert "[0.0, 0.0, 40.0]" in words and "nothing to change" in words
    assert "restart" not in words


@pytest.mark.parametrize("in_force", [(0, 0, 10), (20, 0, 40), (0, 0, -140)])
def test_a_rotation_in_force_other_than_the_checks_names_both_and_the_restart(in_force):
    result = _check(LIVE, _turned((0, 0, 40)))
    assert result.verdict == Verdict.ROTATE
    words = in_force_words(list(in_force), result, "this planner runs with", "restart it")
    apart = np.degrees((Rotation.from_euler("xyz", result.correction_rpy_deg, degrees=True)
                        * Rotation.from_euler("xyz", in_force, degrees=True).inv()).magnitude())
    assert f"{apart:.1f}° from this check's" in words and words.endswith("restart it")
    assert "the written file has [" in words  # the written rotation, named


def test_a_move_verdict_with_a_rotation_in_force_says_the_file_has_none():
    result = _check(LIVE, LIVE * np.array([1.0, -1.0, 1.0]))  # mirrored: move the camera
    assert result.verdict == Verdict.MOVE
    words = in_force_words([0.0, 0.0, 60.0], result, "this planner runs with", "restart it")
    assert "60.0° in all" in words and "the written file has no correction" in words


def test_an_undecided_verdict_leaves_the_rotation_in_force_said():
    planar = _check(TABLE, TABLE * np.array([1.0, -1.0, 1.0]))  # tabletop mirror: undecided
    assert planar.verdict == Verdict.UNDECIDED
    words = in_force_words([0.0, 0.0, 60.0], planar, "this planner runs with", "restart it")
    assert "stays in force" in words and "restart" not in words


def test_a_live_check_on_a_planner_corrected_alike_says_nothing_to_change():
    result = _six_motion_check(CorrectedArm((0, 0, 60), (0, 0, 60)))
    assert "this planner runs with control.model_frame_rpy_deg [0.0, 0.0, 60.0]" in \
        result.explanation and "nothing to change" in result.explanation


def test_a_live_check_on_an_uncorrected_planner_names_no_rotation_in_force():
    result = _six_motion_check(CorrectedArm((0, 0, 60), (0, 0, 0)))
    assert result.verdict == Verdict.ROTATE and "this planner runs with" not in \
        result.explanation


# --- 2. a goal run in progress ----------------------------------------------------------------

def test_between_two_steps_the_refusal_names_how_to_stop_the_run_and_then_accepts():
    arm = _goal_run_between_steps()
    with pytest.raises(RuntimeError) as refused:
        arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False), None,
                                       NO_TRIAL)
    said = str(refused.value)
    assert said.startswith("~/camera_check refused: ") and "between two steps" in said
    assert "~/clear_goals" in said and "~/enable false" in said and "\n" not in said
    assert arm.session.camera_check is None  # nothing started
    arm.session.clear_goals()  # as the refusal says: then the check runs from where it stands
    run = arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False),
                                         None, NO_TRIAL)
    assert run is arm.session.camera_check
    assert np.allclose(run.start[:3], arm.state[:3], atol=0.011)


def test_while_the_run_plans_the_refusal_says_so():
    arm = _goal_run_between_steps()
    arm.session.planning = True  # the worker plans the run's next step
    try:
        with pytest.raises(RuntimeError, match="planning its next step toward a goal"):
            arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False),
                                           None, NO_TRIAL)
    finally:
        arm.session.planning = False


def test_a_run_whose_goals_are_all_done_does_not_refuse():
    arm = _goal_run_between_steps()
    arm.session.goals.index = len(arm.session.goals.goals)  # every sub-goal done
    assert arm.session.goals.finished and arm.session.phase is Phase.IDLE
    run = arm.session.start_camera_check(CheckMotionConfig(distance_m=0.03, corners=False),
                                         None, NO_TRIAL)
    assert run is arm.session.camera_check


# --- 3. the bag's arm against the planner file's ----------------------------------------------

def _robot(base_frame="", joint_prefix=""):
    return RobotConfig(base_frame=base_frame, joint_prefix=joint_prefix)


@pytest.mark.parametrize("robot, bag_frame", [
    (("right_fr3_link0", ""), "left_fr3_link0"),
    (("", "right_fr3_"), "left_fr3_link0"),  # the file's frame from its joint prefix
    (("base", ""), "left_fr3_link0"),  # a multi-arm arm is offset from the shared base
    (("fr3_link0", ""), "panda_link0"),
])
def test_another_arms_frame_is_refused_in_one_line(robot, bag_frame):
    problem = base_frame_problem(_robot(*robot), bag_frame, "bag", "/pose", "right.yaml")
    assert problem.startswith("--params-file right.yaml: robot.") and "\n" not in problem
    assert f"'{bag_frame}'" in problem and "robot.base_frame" in problem


@pytest.mark.parametrize("robot, bag_frame", [
    (("right_fr3_link0", ""), "/right_fr3_link0"),  # a ROS 1 style leading '/'
    (("base", ""), "fr3_link0"),  # a single arm's link0 is franka_description's base
    (("fr3_link0", ""), "base"),
    (("", ""), "left_fr3_link0"),  # the file learns its frame at run time: not compared
    (("right_fr3_link0", ""), ""),  # the bag's frame not known: not compared
])
def test_the_same_arms_frame_passes(robot, bag_frame):
    assert base_frame_problem(_robot(*robot), bag_frame, "bag", "/pose", None) == ""


def test_a_joint_state_bag_knows_its_arms_link0(tmp_path):
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.recordings.bag_topics import BagTopics
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.recordings.bags import read_recording

    frames, states = synthetic_episode(12, seed=1)[:2]
    home = np.array([0, -0.785, 0, -2.356, 0, 1.571, 0.785])
    joints = home + np.linspace(0, 0.2, len(frames))[:, None]
    bag = write_bag(tmp_path / "bag", frames, states, joint_positions=joints,
                    joint_names=[f"left_fr3_joint{i}" for i in range(1, 8)])
    recording = read_recording(bag, BagTopics(state_source="joint_states"))
    assert recording.state_frame == "left_fr3_link0"
    assert base_frame_problem(_robot("right_fr3_link0"), recording.state_frame, str(bag),
                              recording.state_topic, "right.yaml")


def test_the_same_arms_bag_goes_on_to_load_the_model(tmp_path, monkeypatch, capsys):
    def loaded(*args, **kwargs):
        raise RuntimeError("reached the model")

    camera_check_bag_for_file(tmp_path, monkeypatch, loaded, "right_fr3_link0",
                              "right_fr3_link0")
    assert "reached the model" in capsys.readouterr().err


# --- 4. a camera frozen in the correction trial -----------------------------------------------

class FreezesAfterTrialFrames(FreezesAtTrial):
    """A good camera that hangs once the trial has recorded ``good`` frames' worth of time."""

    def __init__(self, rpy, good_s):
        super().__init__(rpy)
        self.good_s, self.trial_began = good_s, None

    def image(self):
        run = self.session.camera_check
        if run is not None and run.trial is not None:
            self.trial_began = self.trial_began if self.trial_began is not None else self.now
            if self.now - self.trial_began < self.good_s:
                return self.picture(self.state)
            return super().image()
        return self.picture(self.state)


@pytest.mark.parametrize("good_s", [0.0, 4.0])
def test_a_camera_frozen_in_the_trial_stops_the_check_back_at_its_start(good_s):
    arm = FreezesAfterTrialFrames((0, 0, 60), good_s)
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(None, None, CheckTrialConfig(when="always"))
    arm.run(run, max_ticks=400000)
    assert run.result is None and run.error.startswith("camera check stopped: frames on "), \
        run.error
    assert arm.session.camera_topic() in run.error and "correction trial" in run.error
    assert "\n" not in run.error
    assert np.linalg.norm(arm.state[:3] - run.start[:3]) <= 0.011  # moved back to the start
    assert "left" not in run.left or "check's start" in run.left


# --- 5. tabletop motions: a mirror and a level half turn --------------------------------------

@pytest.mark.parametrize("reflect, yaw", [((1, -1, 1), 0), ((-1, 1, 1), 0), ((1, -1, 1), 40),
                                          ((-1, 1, 1), -120)])
def test_a_tabletop_mirror_with_any_yaw_is_undecided_and_asks_for_z(reflect, yaw):
    inferred = Rotation.from_euler("z", yaw, degrees=True).apply(
        _noisy(np.tile(TABLE, (3, 1)), 2.0, 3) * np.array(reflect, dtype=float))
    result = _check(np.tile(TABLE, (3, 1)), inferred)
    assert result.verdict == Verdict.UNDECIDED, result.explanation
    assert "only motion along z tells them apart" in result.explanation
    assert result.correction == "none" and not result.mirror
    assert "no rotation corrects" not in result.explanation


def test_tabletop_motions_with_lifts_tell_a_half_turn_from_a_mirror():
    turned = _check(LIFTS, _turned((180, 0, 0), LIFTS))
    assert turned.verdict == Verdict.ROTATE and not turned.mirror, turned.explanation
    written = Rotation.from_euler("xyz", turned.correction_rpy_deg, degrees=True)
    assert np.degrees((written * Rotation.from_euler("x", 180, degrees=True).inv())
                      .magnitude()) < 1e-6
    mirrored = _check(LIFTS, LIFTS * np.array([1.0, -1.0, 1.0]))
    assert mirrored.verdict == Verdict.MOVE and mirrored.mirror == "mirrored along base y", \
        mirrored.explanation


def test_a_tabletop_blind_axis_is_still_move_the_camera_before_any_ambiguity():
    table = np.tile(TABLE, (3, 1))
    inferred = table * np.array([1.0, -0.05, 1.0])  # y reversed and hardly seen
    result = _check(table, inferred)
    assert result.verdict == Verdict.MOVE and "y" in result.explanation, result.explanation


# --- 6. the angles named are the correction's -------------------------------------------------

@pytest.mark.parametrize("rpy", [(0, 0, 30), (20, -10, 75), (180, 0, 0), (0, 170, 0)])
def test_the_explanation_names_the_written_angles(rpy):
    result = _check(LIVE, _turned(rpy))
    assert result.verdict == Verdict.ROTATE
    roll, pitch, yaw = result.correction_rpy_deg
    assert f"(roll {roll:.1f}°, pitch {pitch:.1f}°, yaw {yaw:.1f}°)" in result.explanation


def test_a_tabletop_yaw_correction_names_its_yaw_and_no_tilt():
    table = np.tile(TABLE, (3, 1))
    result = _check(table, _turned((0, 0, -50), table))
    assert result.verdict == Verdict.ROTATE and result.correction == "yaw"
    assert "(roll 0.0°, pitch 0.0°, yaw -50.0°)" in result.explanation


def test_the_file_header_and_the_summary_name_the_rotation_not_the_yaw_fit(tmp_path):
    result = _check(LIVE, _turned((180, 0, 0)))
    assert abs(abs(result.yaw_deg) - 0.0) > 90  # the yaw-only fit is far off (-153.4)
    header = write_check(result, tmp_path, {}, plot=False).params.read_text()
    assert f"(yaw {result.yaw_deg:.1f}°)" not in header
    assert "(rpy [180.0, 0.0, 0.0]°)" in header or "(rpy [-180.0, 0.0, 0.0]°)" in header
    yaw_line = next(line for line in summary_lines(result) if line.startswith("yaw only"))
    assert "alone" in yaw_line and "correction" in yaw_line


# --- plus: an earlier correction kept; the camera named ---------------------------------------

def test_a_verdict_without_correction_keeps_an_earlier_correction_aside(tmp_path):
    rotated = _check(LIVE, _turned((0, 0, 45)))
    write_check(rotated, tmp_path, {}, plot=False)
    kept = rotated.correction_rpy_deg
    moved = _check(LIVE, LIVE * np.array([1.0, -1.0, 1.0]))
    written = write_check(moved, tmp_path, {}, plot=False)
    assert written.previous == tmp_path / PREVIOUS_FILE
    assert np.allclose(written_rotation(tmp_path / PREVIOUS_FILE), kept)
    assert written_rotation(tmp_path / PARAMS_FILE) == [0.0, 0.0, 0.0]
    fine = _check(LIVE, LIVE)  # no correction over no correction: nothing moved again
    assert write_check(fine, tmp_path, {}, plot=False).previous is None
    assert np.allclose(written_rotation(tmp_path / PREVIOUS_FILE), kept)


def test_a_correction_over_a_correction_is_written_in_place(tmp_path):
    write_check(_check(LIVE, _turned((0, 0, 45))), tmp_path, {}, plot=False)
    written = write_check(_check(LIVE, _turned((0, 0, -30))), tmp_path, {}, plot=False)
    assert written.previous is None and not (tmp_path / PREVIOUS_FILE).exists()
    assert math.isclose(written_rotation(tmp_path / PARAMS_FILE)[2], -30.0, abs_tol=1e-6)


def test_the_written_file_names_the_camera_and_still_loads(tmp_path):
    from vjepa_ros.yaml_files import read_ros_params

    result = _check(LIVE, _turned((0, 0, 45)))
    path = write_check(result, tmp_path, {}, plot=False,
                       camera_topic="/cam/color/image_raw").params
    assert "# camera: /cam/color/image_raw (the correction holds for this camera" in \
        path.read_text()
    loaded = read_ros_params(path, "/vjepa_planner")["control"]["model_frame_rpy_deg"]
    assert np.allclose(loaded, result.correction_rpy_deg)


def test_the_offline_note_names_the_params_files_correction():
    result = _check(LIVE, LIVE)
    words = in_force_words([0.0, 0.0, 60.0], result, "--params-file right.yaml gave",
                           "start the planner with the written file")
    assert words.startswith("--params-file right.yaml gave control.model_frame_rpy_deg "
                            "[0.0, 0.0, 60.0]") and words.endswith("with the written file")

