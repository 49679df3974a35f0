"""breaker53c: the camera check, live and offline, third round: cameras that show nothing.

Attacked at 9434ff76 (main's HEAD): ``vjepa_ros/eval/camera_check.py`` (``check_motions``: the
"undecided" gate before the floors), ``eval/camera_check_search.py`` (``search_spread``),
``eval/camera_check_reasons.py`` (``explains_nothing``, ``search_failed``),
``eval/camera_check_inference.py`` (``explained_share``), ``eval/camera_check_report.py``
(``summary_lines``), ``eval/camera_check_bag.py`` (``check_bag``) and the live run
(``robot/camera_check_run.py``, ``MPCSession.start_camera_check``) on
test_robot_camera_check_live's ``IdealArm`` (an arm where its set-point is; a 10 Hz camera whose
frames the oracle knows).
Differential: cameras whose truth is known: a FROZEN stream (a driver that hangs and keeps
publishing its last image with fresh stamps: every frame before and after every motion is the
same picture), frames of unrelated poses (a looping bag on the camera topic), and motions
whose inferred directions are random.

Defects (strict xfails until fix53c, which fixed all five; each docstring: input, what happened,
what should happen; fix53c: byte-equal frames before and after a motion are found
(``eval/camera_check_unchanged.py``): all of them refused naming the image topic, some left
out of the verdict with a note; every share held to [-1, 1]; the status line names a rotation
only with "correct by rotation"):

1. Live, a frozen camera (the same image, newly stamped, at 10 Hz): the check moves the arm
   through its 14 motions and says "undecided: search too weak (samples 64, iterations 4) ...
   restart the planner with planner.samples >= 128 and planner.iterations >= 8": advice to
   strengthen a search that has nothing to find. Every frame before a motion is byte-equal to
   the frame after it; the frame change to explain is zero, so ``explained_share``'s standing-
   still energy (the denominator) is ~0 and the shares come out -3000 to -6000; the negative
   shares make ``search_failed`` true, which lets the spread gate say "undecided" before
   ``explains_nothing``'s "move the camera: the model does not see the motion ... does the
   camera show the arm's motion?" can. (``eval/camera_check.py`` ``check_motions``.)
2. Offline, the same on a bag whose camera topic is frozen (``check_bag``): "undecided ...
   rerun with --samples >= 128 --iterations >= 8".
3. The printed ``explained`` line of that check reads "x -5306.18 y -3799.95 z -6746.43 (share
   of the frame change the model's best action explains, per axis moved)": a share of the
   frame change of -530618 % when there was no frame change at all
   (``eval/camera_check_inference.explained_share`` divides by a ~0 energy; the report prints
   it as a share).
4. Live, a GOOD camera (the exact model, no frame error) whose driver repeats its last image
   for 3 s (a USB hiccup): the +x motion's frame after is its frame before, its share ~-5000;
   the x axis's mean share (+x and -x) falls far below the floor and the check says "move the
   camera: the model does not see the arm move along x: its best action explains x -268853.4%
   of the frame change", although the other 13 motions fit within 5.1° and the search
   converged. One frame glitch fails a good placement (``explained_share`` unbounded below,
   averaged per axis by ``check_motions``' ``_explained_by_axis``, judged by
   ``camera_check_reasons.move_reason``).
5. Offline, the same from one duplicated image in a bag (16 frames, the 6th a copy of the 5th,
   the exact model): "move the camera: the model does not see the arm move along z: its best
   action explains z -2201351.3% of the frame change"; without the duplicate "placement fine
   ... within 2.1°" (``check_bag``; the shares as in 4).

(Defects 1-5 share a cause: ``explained_share`` = 1 - E(inferred)/E(still) is unbounded below
when the frames before and after a motion are the same picture (E(still) ~0, not exactly 0:
exactly 0 gives share 0 and "move the camera: the model does not see the motion"), and no
step of the check notices that a motion's two frames are identical.)

Held up (pins): frames of unrelated poses on the camera topic (a looping bag) give "move the
camera" live (probed: no rotation explains the motions, RMS 67° after the best one); 100 draws
(40 pinned) of random inferred directions with full lengths and two agreeing searches on the 14
live motions are "move the camera" in every draw, never "placement fine" nor "correct by
rotation"; inferred motions of ~1 mm with shares 0 (a model that sees nothing) are "move the
camera" (the model does not see the motion) even though its two searches disagree. Probed, not
pinned: the looping camera with the correction trial (default when) also says "move the camera"
(its legs closed -87 %: the arm ended farther from the goal).

Not repeated: breaker43b/43f/43i/43k (blind directions), 44b (the correction's algebra), 49g
(the live moves' limits and stops), 50e (the fits on known rotations). Not got to: an image
mirrored / rotated in pixels through a learned model (the oracle looks frames up by hash, so a
moved sim camera changes nothing for it; the demo model is too slow for a seconds-long test),
offline bags with a missing camera_info (unset image header stamps: probed, the receive times
are used), the gripper holding an object.
"""

import re
import sys
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_result import Verdict

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE_DIRECTIONS, CameraArm, D, FrozenCamera, _live  # noqa: E402
from test_robot_camera_check_live import START  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


class HiccupCamera(CameraArm):
    """A good camera whose driver repeats its last image for the first 3 s (a USB hiccup)."""

    def image(self):
        if getattr(self, "held", None) is None or self.now >= 53.0:  # IdealArm starts at 50 s
            self.held = self.picture(self.state)
        return self.held


class LoopingCamera(CameraArm):
    """Frames of poses the arm is not at (a bag looping on the camera topic), 10 Hz."""

    def image(self):
        return self.picture(np.array(START) + np.r_[self.rng.uniform(-D, D, 3), 0, 0, 0, 0])


@pytest.fixture(scope="module")
def frozen_bag_result(tmp_path_factory):
    """Check offline a bag whose camera froze on its first frame (oracle model)."""
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.planning import preset
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.sim.oracle import OracleWorldModel

    frames, states, stamps = synthetic_episode(11, seed=0)
    frozen = np.repeat(np.asarray(frames)[:1], len(frames), 0)
    bag = write_bag(tmp_path_factory.mktemp("frozen") / "bag", frozen, states, stamps)
    oracle = OracleWorldModel()
    oracle.remember(frozen[0], np.asarray(states)[0])
    with pytest.raises(ValueError) as refused:
        check_bag(bag, oracle, preset("paper", samples=64, iterations=4, maxnorm=0.075))
    return str(refused.value)


def test_a_frozen_camera_live_is_not_blamed_on_the_search():
    """Live check, the camera publishing its first image with fresh stamps at 10 Hz.

    Input: ``~/camera_check`` (14 motions of 4 cm, no trial) on the ideal arm; every frame is
    the same picture. Happened: "undecided: search too weak (samples 64, iterations 4): two
    independent searches ... disagree by 108° ...; restart the planner with planner.samples
    >= 128 and planner.iterations >= 8 and call ~/camera_check again" (the shares -2856 to
    -6006 make ``search_failed`` true, so the spread gate speaks first). Should: "move the
    camera" (the model does not see the motion; does the camera show it?) or a stop naming
    the camera (the frames before and after each motion are identical), never advice to
    restart the planner with a stronger search, which cannot help.
    """
    run = _live(FrozenCamera)
    said = run.describe()
    assert run.error or run.result.verdict == Verdict.MOVE, said
    assert "planner.samples" not in said, said
    # fixed (fix53c): refused, naming the camera topic
    assert "frames on image do not change: the camera is frozen" in said, said
    assert "call ~/camera_check again" in said, said


def test_a_frozen_camera_in_a_bag_is_not_blamed_on_the_search(frozen_bag_result):
    """Offline ``check_bag`` of a 12-frame bag whose 12 images are the first one.

    Input: ``eval.synthetic`` states (1-4 cm per step along each axis), every image the same;
    the oracle knows that image. Happened: "undecided: search too weak (samples 64,
    iterations 4): ... disagree by 93.1° ...; rerun with --samples >= 128 --iterations >= 8".
    Should: "move the camera" (the model does not see the motion) or a refusal naming the
    image topic (its frames do not change), not a stronger search. Fixed (fix53c): refused,
    naming the bag and its image topic.
    """
    assert "frames on /camera/camera/color/image_raw do not change: the camera is frozen" in \
        frozen_bag_result, frozen_bag_result
    assert "/bag: camera check" in frozen_bag_result, frozen_bag_result
    assert "--samples" not in frozen_bag_result


def test_the_printed_explained_share_of_a_frozen_bag_is_a_share():
    """The ``explained`` line of ``summary_lines`` for the frozen bag above.

    Happened: "explained     x -5306.18  y -3799.95  z -6746.43   (share of the frame change
    the model's best action explains, per axis moved)": ``explained_share`` is 1 - E/E_still
    with E_still ~0 (the frame after equals the frame before), printed as a share.
    Should: no number that claims to be a share of a frame change that did not happen: the
    line says the frames did not change (or the shares are not given), and a printed share
    lies within [-1, 1] (at worst: the best action twice as far as standing still).
    Fixed (fix53c): the frozen bag is refused (above); a nearly repeated frame that is not
    byte-equal (its E_still ~1e-9 as the frozen bag's, so it is judged) prints a bounded share:
    the 14 live motions, +x's and -y's standing-still energies ~0.
    """
    from vjepa_ros.eval.camera_check_inference import explained_share
    from vjepa_ros.eval.camera_check_report import summary_lines

    executed = LIVE_DIRECTIONS * D
    still = np.ones(14)
    still[[0, 4]] = 1e-9
    explained = explained_share(np.full(14, 0.05), still)
    result = check_motions(executed, executed, explained=explained, repeat=executed,
                           search_settings=(300, 10), live=True)
    line = next(text for text in summary_lines(result) if text.startswith("explained"))
    shares = [float(v) for v in re.findall(r"[xyz] (-?\d+\.\d+)", line)]
    assert all(-1.0 <= share <= 1.0 for share in shares), line


def test_one_repeated_frame_does_not_fail_a_good_camera():
    """Live check, exact model (no frame error), the camera repeating its image for 3 s.

    Input: ``~/camera_check`` (14 motions, no trial) on the ideal arm; for the first 3 s the
    driver re-publishes its last image (newly stamped), so the +x motion's frame after is its
    frame before; the other 13 motions are seen exactly. Happened: "move the camera: the model
    does not see the arm move along x: its best action explains x -268853.4% of the frame
    change, against 94.1% along the best-seen axis" (the one motion's share is ~-5000: its
    standing-still energy is ~0; the per-axis mean of +x and -x is then far below the floor),
    although the search converged (3.8°), the 14 motions fit within 5.1° (p 0.99 against no
    rotation) and every sign agrees. Should: "placement fine" (the one motion's share bounded,
    or the motion left out as one whose frames did not change), or a refusal/stop naming the
    repeated frame; never "the model does not see the arm move along x" with a share of
    -268853 %. (``eval/camera_check_inference.explained_share``, ``eval/camera_check.py``
    ``_explained_by_axis`` and ``camera_check_reasons.move_reason``.)
    """
    run = _live(HiccupCamera)
    assert not run.error, run.error
    assert run.result.verdict == Verdict.FINE, run.result.explanation
    # fixed (fix53c): the motion left out, and said so
    note = "1 of 14 motions skipped: the frame did not change"
    assert note in run.result.explanation and run.result.skipped_note.startswith(note)
    assert run.result.motions == 13
    assert run.state() == "done: placement fine"  # no rotation the verdict did not use


def test_one_duplicated_image_in_a_bag_does_not_fail_a_good_camera(tmp_path):
    """Offline ``check_bag``, exact model, a 16-frame bag whose 6th image repeats the 5th.

    Input: ``eval.synthetic`` states (15 motions of 1-4 cm along each axis), the oracle knows
    every other image; the camera sent image 5 twice (a driver's duplicate, newly stamped).
    Without the duplicate: "placement fine ... within 2.1°". Happened: "move the camera: the
    model does not see the arm move along z: its best action explains z -2201351.3% of the
    frame change, against 85.1% along the best-seen axis". Should: "placement fine" (one
    motion's share bounded, or the motion whose images are equal left out and counted), or
    a refusal naming the image topic and the repeated frame; never a share of -2201351 %.
    """
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.planning import preset
    from vjepa_ros.recordings.bag_writing import write_bag
    from vjepa_ros.sim.oracle import OracleWorldModel

    frames, states, stamps = synthetic_episode(15, seed=0)
    frames, states = np.array(frames), np.asarray(states)
    frames[5] = frames[4]
    oracle = OracleWorldModel()
    for k in (k for k in range(len(frames)) if k != 5):
        oracle.remember(frames[k], states[k])
    result, _ = check_bag(write_bag(tmp_path / "bag", frames, states, stamps), oracle,
                          preset("paper", samples=64, iterations=4, maxnorm=0.075))
    assert result.verdict == Verdict.FINE, result.explanation
    assert "1 of 15 motions skipped: the frame did not change" in result.explanation
    from vjepa_ros.eval.camera_check_report import summary_lines

    assert any(line.startswith("motions       14 used") and "1 of 15 motions skipped" in line
               for line in summary_lines(result)), summary_lines(result)


def test_too_few_changed_motions_are_refused_and_say_how_many_were_skipped():
    """Fix53c: 14 live motions, 12 of them with frames unchanged: too few left, and it says why."""
    executed = LIVE_DIRECTIONS * D
    unchanged = np.arange(14) >= 2
    with pytest.raises(ValueError, match=r"need \d+.*\(12 of 14 motions skipped: the frame did "
                       "not change"):
        check_motions(executed, executed, explained=np.full(14, 0.9), live=True,
                      unchanged=unchanged)


def test_an_arm_at_rest_with_a_still_frame_is_no_frozen_camera():
    """Fix53c: unchanged frames of steps that did not move are no evidence of a frozen camera."""
    executed = np.vstack([LIVE_DIRECTIONS * D, np.zeros((5, 3))])
    unchanged = np.r_[np.zeros(14, bool), np.ones(5, bool)]
    result = check_motions(executed, executed, explained=np.full(19, 0.9), live=True,
                           unchanged=unchanged)
    assert result.verdict == Verdict.FINE and not result.skipped_note, result.explanation


def test_undecided_status_line_names_no_rotation():
    """Fix53c: "done: undecided" without the thrown-away fit's 169.8° (the run's state line)."""
    from vjepa_ros.robot.camera_check_run import CameraCheckRun

    executed = LIVE_DIRECTIONS * D
    rng = np.random.default_rng(0)
    result = check_motions(executed, executed, explained=np.full(14, 0.9),
                           repeat=rng.normal(size=executed.shape) * D,
                           search_settings=(64, 4), live=True)
    assert result.verdict == Verdict.UNDECIDED, result.explanation
    run = CameraCheckRun.__new__(CameraCheckRun)  # only what state() reads once it is done
    run.error, run.trial, run.result = "", None, result
    assert run.state() == "done: undecided"


def test_frames_of_unrelated_poses_live_say_move_the_camera():
    """Pin: a looping bag's frames on the camera topic: "move the camera", nothing corrected."""
    run = _live(LoopingCamera)
    assert not run.error, run.error
    assert run.result.verdict == Verdict.MOVE, run.result.explanation
    assert run.result.correction == "none"
    assert run.state() == "done: move the camera"  # fix53c: no rotation it threw away


def test_random_inferred_directions_are_never_fine_nor_corrected():
    """Pin: 40 draws of random directions at full length, two agreeing searches, shares 0.3-0.9.

    The 14 live motions; a camera showing motion that is not the arm's: never "placement
    fine", never "correct by rotation".
    """
    executed = LIVE_DIRECTIONS * D
    verdicts = set()
    for seed in range(40):
        rng = np.random.default_rng(seed)
        inferred = rng.normal(size=executed.shape)
        inferred *= D / np.linalg.norm(inferred, axis=1, keepdims=True)
        repeat = inferred + rng.normal(0, 0.003, executed.shape)
        result = check_motions(executed, inferred, explained=rng.uniform(0.3, 0.9, 14),
                               repeat=repeat, search_settings=(300, 10), live=True)
        verdicts.add(result.verdict)
    assert verdicts == {Verdict.MOVE}, verdicts


def test_a_model_that_sees_nothing_says_move_the_camera_despite_a_noisy_search():
    """Pin: ~1 mm inferred motions, shares 0, searches 85° apart: "move the camera"."""
    executed = LIVE_DIRECTIONS * D
    rng = np.random.default_rng(0)
    result = check_motions(executed, rng.normal(0, 1e-3, executed.shape),
                           explained=np.zeros(14), repeat=rng.normal(0, 1e-3, executed.shape),
                           search_settings=(300, 10), live=True)
    assert result.verdict == Verdict.MOVE, result.explanation
    assert "does not see the motion" in result.explanation
