"""breaker53k: the camera check's unchanged frames (fix53c), attacked.

Attacked at main's 64825c96 and c48934f5 (fix53c): ``vjepa_ros/eval/camera_check_unchanged.py``
(a motion is "unchanged" when its frame after is byte-equal to its frame before),
``eval/camera_check.py`` ``check_motions`` (the all-unchanged refusal, the skipped motions and
their note, the too-few-motions refusal after skipping), ``eval/camera_check_bag.py``
(``unchanged_steps`` before planning, ``check_recording``), ``eval/camera_check_inference.py``
(``explained_share`` held to [-1, 1]) and the live run on test_robot_camera_check_live's
``IdealArm`` (breaker53c's ``CameraArm``: a 10 Hz camera whose frames the oracle knows).
test_breaker53c's five defects are not repeated; this file attacks what byte equality misses.

Defects (strict xfails until fix53k fixed all eight; each docstring: input, what happened,
what should happen):

1. Live, a frozen camera whose frames are NOT byte-equal (the frozen picture with a changing
   timestamp overlay of two pixels, as a driver that re-encodes its last image with a time
   stamp, or adds dither): "undecided: search too weak ... restart the planner with
   planner.samples >= 128 and planner.iterations >= 8", breaker53c's defect 1 again; the
   shares are held to -1 now, still below search_failed's -0.1, so the spread gate still
   speaks first (``camera_check_unchanged.unchanged_frames``: byte equality only;
   ``camera_check.check_motions``: the undecided gate).
2. Offline, the same bag (every image the first, one pixel a frame counter): "undecided ...
   rerun with --samples >= 128 --iterations >= 8" after both searches.
3. Live, a camera that freezes 2 s into the check (13 of 14 motions unchanged): the stop
   says "1 executed motion of at least 1 cm, need 3: the bag's 3 longest motions are 4.0 to
   4.0 cm: lower camera_check.verdict.min_motion_m ... to at most 0.04 (13 of 14 motions
   skipped ...)": a live check talks of "the bag", 14 motions of 4 cm were executed, and
   lowering min_motion_m cannot help (``check_motions`` re-raises ``usable_motions``'
   message with the note appended).
4. Offline, a bag whose camera froze at its 2nd image (14 of 15 motions unchanged): both
   searches plan every step (``evaluate_recording`` called twice: minutes with the real
   model) and only then is the bag refused as too few motions, although ``unchanged_steps``
   knew before planning (it refuses only when ALL are unchanged).
5. Live, a frozen camera: the arm moves through all 14 motions and back (27.8 s simulated
   on the ideal arm, 1.12 m of set-points; about a minute on a real arm) before the refusal,
   although the first motion's frames were byte-equal 1.3 s in; the unchanged test runs only
   in ``CameraCheckSession``'s estimate at the end (``robot/camera_check_run.py`` ``advance``
   never looks).
6. A camera (the pybullet sim's) that does not show the arm renders byte-equal frames while
   the arm moves; the refusal says "the camera is frozen or the topic repeats one image ...
   check that the camera driver publishes new images": a false accusation of the driver;
   it should also name the view (the camera may not show the arm: move it).
7. Offline, a bag whose camera publishes each image twice at the check's rate (new images at
   2 Hz, 4 Hz on the topic): half the motions skipped, the other half's frame before is one
   step stale (before == the previous motion's before), so the exact model on a good
   placement reads "move the camera: the model infers y 172.8%, z 187.3% of the executed
   motion's length" (``camera_check_bag.unchanged_steps``: only a motion's own two frames
   are compared; a repeated frame before is not traced back to where it was taken). On a
   31-frame bag: "placement fine" but ±35.7° uncertain, "cannot be told from no rotation"
   (without the repeats: within 0.4°).
8. Live, a 1 Hz camera re-published at 10 Hz with fresh stamps: the frames taken 0.3 s
   after arrival repeat images from before it (the arm in transit), no two byte-equal across
   a motion, so nothing is skipped: "move the camera: no rotation explains the model's
   motions (RMS 65.2°)" on a good placement (``robot/camera_check_run.py`` ``advance``
   trusts a fresh stamp as a fresh image; a 2 Hz source: "placement fine").

Held up (pins): a camera with a one-frame lag (each image shows the pose of the publish
before it) is "placement fine" with nothing skipped; a frozen camera on a CompressedImage
topic (jpeg bag) is refused before planning naming ``.../compressed``; an axis whose motions
really are worse than standing still (share -3, now held to -1) still says "move the camera"
(the clip hides the number, not the verdict); ``frame_digest`` tells apart the same bytes in
another shape.

Probed, not pinned: a camera whose images show the arm 1 s late with fresh stamps (a driver
stamping at publish, not capture; over settle_s 0.3 s) says "move the camera: the model does
not see the arm move along x" (0.5 s late: "placement fine"): latency, not this family; the
live refusal reads "camera check failed: ValueError: camera check: frames on ..." (the
exception's type in an operator's message, as every live ``check_motions`` refusal); the live
frozen camera with a random 1..3 dither skipped 3 of 14 motions (chance repeats) and still
said "undecided"; the JSON's ``skipped`` is a sentence, not which motions (the skipped ones'
frames and motions are in no field). Not got to: a compressed live topic
decoded by another library (the same bytes decode the same in one process), frames of
different sizes from a resizing driver in a bag, the correction trial after a skipped motion.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_result import Verdict

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import (  # noqa: E402
    LIVE_DIRECTIONS,
    NO_TRIAL,
    CameraArm,
    D,
    FrozenCamera,
    _live,
)

pytestmark = pytest.mark.usefixtures("one_thread")


class StampedFrozenCamera(CameraArm):
    """A hung driver re-encoding its last image with a time stamp: 2 pixels change each time."""

    def image(self):
        if not hasattr(self, "first"):
            self.first, self.pose0, self.count = self.picture(self.state), self.state.copy(), 0
        self.count += 1
        frame = self.first.copy()
        frame[0, 0, 0], frame[0, 1, 0] = self.count % 256, self.count // 256
        self.oracle.remember(frame, self.pose0)
        return frame


class FreezingCamera(CameraArm):
    """A good camera that hangs 2 s into the check (its last image, newly stamped, after)."""

    def image(self):
        if self.now < 52.0 or not hasattr(self, "held"):  # IdealArm starts at 50 s
            self.held = self.picture(self.state)
        return self.held


class OncePerSecondCamera(CameraArm):
    """A 1 Hz camera behind a 10 Hz republisher: each new image re-published for 1 s."""

    def image(self):
        if getattr(self, "held", None) is None or self.now >= self.new_at:
            self.held, self.new_at = self.picture(self.state), self.now + 1.0
        return self.held


class LaggingCamera(CameraArm):
    """Each image shows the arm where it was at the publish before (one frame, 0.1 s, late)."""

    def image(self):
        before = getattr(self, "before", None)
        self.before = self.state.copy()
        return self.picture(self.state if before is None else before)


def _bag(tmp_path, frames, states, stamps, oracle, **options):
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.planning import preset
    from vjepa_ros.recordings.bag_writing import write_bag

    bag = write_bag(tmp_path / "bag", frames, states, stamps, **options)
    return check_bag(bag, oracle, preset("paper", samples=64, iterations=4, maxnorm=0.075))


def _episode():
    from vjepa_ros.eval.synthetic import synthetic_episode

    frames, states, stamps = synthetic_episode(15, seed=0)
    return np.array(frames), np.asarray(states), stamps


def test_a_frozen_camera_with_a_stamp_overlay_live_is_not_blamed_on_the_search():
    """Live check, the frozen picture re-published with 2 changing pixels (a time stamp).

    Input: ``~/camera_check`` (14 motions, no trial) on the ideal arm; every frame is the
    first picture with pixels (0, 0) and (0, 1) a publish counter (no two byte-equal); the
    oracle knows each as the start pose. Happened: "undecided: search too weak (samples 64,
    iterations 4): two independent searches ... disagree by 10x° ...; restart the planner with
    planner.samples >= 128 and planner.iterations >= 8", nothing skipped. Should: a stop
    naming the camera (its frames do not change but for a few pixels) or "move the camera"
    (the model does not see the motion), never a stronger search.
    """
    run = _live(StampedFrozenCamera)
    said = run.describe()
    assert run.result is None or run.result.skipped_note == "", said  # nothing is byte-equal
    assert "planner.samples" not in said, said
    assert run.error or run.result.verdict == Verdict.MOVE, said
    # fixed (fix53k): 2 pixels of 1024 changed is the same picture; stopped after 3 motions
    assert "frames on image do not change" in run.error and len(run.afters) == 3, said


def test_a_frozen_bag_with_a_frame_counter_is_not_blamed_on_the_search(tmp_path):
    """Offline ``check_bag``, 16 images all the first but pixel (0, 0, 0) = the frame index.

    Input: ``eval.synthetic`` states (15 motions of 1-4 cm); the oracle knows each image as
    the first state. Happened, after both searches: "undecided: search too weak (samples 64,
    iterations 4): ... disagree by 93.1° ...; rerun with --samples >= 128 --iterations >= 8".
    Should: a refusal naming the image topic (its frames do not change) or "move the camera"
    (the model does not see the motion), not a stronger search.
    """
    from vjepa_ros.sim.oracle import OracleWorldModel

    frames, states, stamps = _episode()
    frames = np.repeat(frames[:1], len(frames), 0)
    oracle = OracleWorldModel()
    for k in range(len(frames)):
        frames[k, 0, 0, 0] = k
        oracle.remember(frames[k], states[0])
    try:
        result, _ = _bag(tmp_path, frames, states, stamps, oracle)
    except ValueError as exc:
        assert "/camera/camera/color/image_raw" in str(exc), exc
        return
    assert "--samples" not in result.explanation, result.explanation
    assert result.verdict == Verdict.MOVE, result.explanation


def test_a_camera_freezing_during_the_live_check_is_named_not_min_motion():
    """Live check, the camera hangs 2 s in (its last image re-published, newly stamped).

    Input: ``~/camera_check`` (14 motions of 4 cm, no trial); only the first motion's frames
    differ. Happened: "camera check failed: ValueError: camera check: 1 executed motion of at
    least 1 cm, need 3: the bag's 3 longest motions are 4.0 to 4.0 cm: lower
    camera_check.verdict.min_motion_m (a length in metres, default 0.01) to at most 0.04 (13
    of 14 motions skipped: the frame did not change (the camera repeated an image))". Should:
    a stop that says the frames on the camera topic stopped changing (13 of 14 motions), what
    to check (the driver), and to call ~/camera_check again; no bag, no min_motion_m (14
    motions of 4 cm were executed). (``eval/camera_check.py`` ``check_motions``.)
    """
    run = _live(FreezingCamera)
    assert run.error, run.describe()
    assert "13 of 14 motions skipped" in run.error, run.error  # the note is there
    assert "bag" not in run.error, run.error
    assert "min_motion_m" not in run.error, run.error
    assert "image" in run.error.split("(13 of 14")[0], run.error  # the topic, in the reason


def test_a_bag_whose_camera_froze_early_is_refused_before_planning(tmp_path, monkeypatch):
    """Offline ``check_bag``, 16 images: the first two, then the second repeated 14 times.

    Input: ``eval.synthetic`` states (15 motions of 1-4 cm); 14 of 15 motions' frames are
    byte-equal. Happened: ``evaluate_recording`` ran both searches over every step (minutes
    with V-JEPA 2-AC on a CPU), then "camera check: 1 executed motion of at least 1 cm, need
    3: the bag's 3 longest motions are 6.4 to 5.1 cm: lower ... min_motion_m ... (14 of 15
    motions skipped ...)". Should: refused before any planning, as the all-unchanged bag is
    (``unchanged_steps`` has the mask then; it refuses only when every motion is unchanged).
    """
    import vjepa_ros.eval.camera_check_bag as bag_check
    from vjepa_ros.sim.oracle import OracleWorldModel

    frames, states, stamps = _episode()
    frames[2:] = frames[1]
    oracle = OracleWorldModel()
    for k in range(2):
        oracle.remember(frames[k], states[k])
    planned = []
    real = bag_check.evaluate_recording
    monkeypatch.setattr(bag_check, "evaluate_recording",
                        lambda *a, **k: planned.append(1) or real(*a, **k))
    with pytest.raises(ValueError, match="14 of 15 motions skipped"):
        _bag(tmp_path, frames, states, stamps, oracle)
    assert planned == [], f"planned {len(planned)} times before the refusal"


def test_a_frozen_camera_live_stops_the_arm_early():
    """Live check, the camera frozen from the start (breaker53c's ``FrozenCamera``).

    Input: ``~/camera_check`` (14 motions of 4 cm, no trial). Happened: the first motion's
    frame after (byte-equal to its frame before) came 1.3 s in; the arm then went on through
    all 14 motions and back (27.8 s of simulated time on the ideal arm, 1.12 m of set-point
    path, about a minute on a real arm), and only then did the check end with "frames on
    image do not change". Should: stop (and hold the arm) once the first
    few motions all show an unchanged frame, e.g. before half of them are moved: the
    refusal needs no more evidence, and a check that keeps moving a robot for a minute
    after its camera is known frozen moves it for nothing.
    """
    arm = FrozenCamera()
    arm.session.set_enabled(True)
    run = arm.session.start_camera_check(None, None, NO_TRIAL)
    arm.run(run)
    assert "do not change" in run.error, run.describe()
    assert len(run.afters) < 7, f"{len(run.afters)} motions moved, {arm.now - 50:.0f} s"


def test_a_sim_camera_that_does_not_show_the_arm_is_not_called_frozen():
    """The pybullet sim's camera aimed away from the arm (64x64, target (3, -3, 0.6)).

    Input: two renders 0.5 s apart while the sim runs: byte-equal (nothing of the arm in
    view), so every motion of a check is unchanged. Happened: "camera check: frames on
    /camera/image do not change: the camera is frozen or the topic repeats one image ...
    check that the camera driver publishes new images (e.g. ros2 topic hz ...)": the driver
    is blamed, though it publishes a new render each time. Should: also name the view (the
    camera may not show the arm moving: aim it at the arm), the other cause of equal frames
    (``camera_check_unchanged.frames_changed``).
    """
    from vjepa_ros.eval.camera_check_unchanged import frames_changed, unchanged_frames
    from vjepa_ros.sim.config import CameraConfig, SimConfig
    from vjepa_ros.sim.sim import Sim

    with Sim(SimConfig(camera=CameraConfig(width=64, height=64, target=[3.0, -3.0, 0.6]))) \
            as sim:
        before = sim.render()
        sim.advance(0.5)
        after = sim.render()
    same = unchanged_frames([before] * 3, [after] * 3)
    assert same.all()
    with pytest.raises(ValueError) as refused:
        frames_changed(same, "/camera/image", live=True)
    assert "show" in str(refused.value).split("check that")[0], refused.value


def test_a_bag_whose_camera_repeats_each_image_once_does_not_fail_a_good_camera(tmp_path):
    """Offline ``check_bag``, exact model, a 16-frame bag: image k is image 2*(k // 2).

    Input: ``eval.synthetic`` states (15 motions of 1-4 cm) at the check's 4 Hz; the camera's
    new images come at 2 Hz and each is published twice (a republisher or driver at twice its
    sensor's rate, newly stamped); the oracle knows the new images. Without the repeats:
    "placement fine ... within 2.1°". Happened: 8 of 15 motions skipped (byte-equal), and the
    7 kept have a frame before that shows the arm one step earlier (it repeats the previous
    motion's frame before), so each shows two steps of arm motion against one executed: "move the
    camera: the model infers y 172.8%, z 187.3% of the executed motion's length ... it sees
    the motion, longer than it is (a camera nearer the arm ...?)". Should: "placement fine",
    or a refusal naming the image topic (its images repeat: every other frame is the one
    before it); never "move the camera" for a good placement. A motion whose frame before
    repeats an earlier image starts where that image was taken, not at its own step
    (``eval/camera_check_bag.py`` ``unchanged_steps`` compares only a motion's own two frames).
    """
    from vjepa_ros.sim.oracle import OracleWorldModel

    frames, states, stamps = _episode()
    oracle = OracleWorldModel()
    for k in range(0, len(frames), 2):
        oracle.remember(frames[k], states[k])
    frames = frames[(np.arange(len(frames)) // 2) * 2]
    # fixed (fix53k): the 8 motions between one image's two copies skipped, the 7 others kept
    # as their frames show them (from where the repeated image was taken): "placement fine"
    result, _ = _bag(tmp_path, frames, states, stamps, oracle)
    assert result.verdict == Verdict.FINE, result.explanation
    assert [m["motion"] for m in result.skipped] == list(range(0, 15, 2))
    assert "8 of 15 motions skipped" in result.explanation, result.explanation


def test_a_slow_camera_republished_fast_live_does_not_fail_a_good_camera():
    """Live check, exact model, new images once a second, each re-published at 10 Hz.

    Input: ``~/camera_check`` (14 motions, no trial) on the ideal arm; the camera's content
    changes every 1 s, its messages come every 0.1 s, newly stamped (a slow sensor or
    throttled source behind a republisher). Happened: nothing skipped (no motion's two frames
    byte-equal), but the frames "stamped after arrival + settle_s" repeat images taken while
    the arm was still moving: "move the camera: no rotation explains the model's motions (RMS
    65.2° after the best full rotation, threshold 60°)" for a good placement (new images
    every 0.5 s: "placement fine" within 1.1°). Should: "placement fine", or a stop naming
    the camera topic (its images repeat: new content only every ~1 s); the frame after a
    motion should be the first image that differs from those published before arrival
    (``robot/camera_check_run.py`` ``advance``: a fresh stamp is taken for a fresh image).
    """
    run = _live(OncePerSecondCamera)
    # fixed (fix53k): a repeated transit image is waited past; nothing skipped, "placement fine"
    assert not run.error, run.error
    assert run.result.verdict == Verdict.FINE, run.result.explanation
    assert run.result.skipped == [], run.result.skipped


def test_a_camera_one_frame_late_is_fine_and_skips_nothing():
    """Pin: images one publish (0.1 s) late, the arm settled: "placement fine", none skipped."""
    run = _live(LaggingCamera)
    assert not run.error, run.error
    assert run.result.verdict == Verdict.FINE and run.result.skipped_note == "", run.describe()


def test_a_frozen_jpeg_bag_is_refused_before_planning(tmp_path):
    """Pin: a frozen camera on a CompressedImage topic: refused naming ``.../compressed``."""
    from vjepa_ros.sim.oracle import OracleWorldModel

    frames, states, stamps = _episode()
    frames = np.repeat(frames[:1], len(frames), 0)
    with pytest.raises(ValueError, match=r"frames on /camera/camera/color/image_raw/compressed "
                       "do not change: the camera is frozen"):
        _bag(tmp_path, frames, states, stamps, OracleWorldModel(), image_format="jpeg")


def test_a_share_held_to_minus_one_still_says_move_the_camera():
    """Pin: x's motions really 3x worse than standing still (share -3, held to -1): "move"."""
    from vjepa_ros.eval.camera_check_inference import explained_share

    executed = LIVE_DIRECTIONS * D
    inferred_energy = np.full(14, 0.1)
    inferred_energy[[0, 3]] = 4.0  # +x, -x
    explained = explained_share(inferred_energy, np.ones(14))
    assert explained[[0, 3]].tolist() == [-1.0, -1.0]
    result = check_motions(executed, executed, explained=explained, repeat=executed,
                           search_settings=(300, 10), live=True)
    assert result.verdict == Verdict.MOVE, result.explanation
    assert "along x" in result.explanation, result.explanation


def test_the_same_bytes_in_another_shape_are_another_frame():
    """Pin: a frame and its bytes reshaped (W and H swapped) are not "unchanged"."""
    from vjepa_ros.eval.camera_check_unchanged import unchanged_frames

    frame = np.random.default_rng(0).integers(0, 256, (4, 6, 3), dtype=np.uint8)
    assert not unchanged_frames([frame], [frame.reshape(6, 4, 3)]).any()
    assert unchanged_frames([frame], [frame.copy()]).all()
