r"""breaker46m: attacks on fix46j (refusal words, gripper supersede set, bounded flaps) and fix46k.

Defects (were strict xfails; fixed by fix46o: the full-resolution page loads, the package's
share folder is found or the line says how, ``forgotten`` keeps spans of goals):

- A TIFF whose first IFD is its reduced-resolution preview (NewSubfileType 1, as a raw
  converter or DNG writes it) and whose second is the full-resolution image counts as one frame
  (fix46k) and then loads the 48x64 preview as the goal, silently, not the 96x128 image.
- ``package://my_pkg/goals/goal.png`` is refused as "not a local file ... copy the file here":
  a ``package://`` URL names a local file (the package's share folder); the line does not say
  where it is (``ros2 pkg prefix --share my_pkg``).
- ``awaited_goals.forgotten`` drops the oldest forgotten goal past ``MAX_FORGOTTEN``; when the
  64 newer ones are later rejected, the dropped one (sent, never rejected) no longer supersedes:
  an older accepted goal's abort is warned as a failure.

Held up (pins): Windows paths ``C:\goal.png`` / ``C:/goal.png`` are paths, not URLs; a plain path
``goal.png?x`` keeps its ``?x`` (a real file of that name loads); ``Refusal(kind, "")`` and
``refusal_log.refused`` with no words are refusals in ``NO_REASON``'s words; an hour of a hung
driver (3600 goals dropped overdue) still supersedes an old accepted goal's abort; the camera's
own episode survives 300 renamed inputs while it is judged at each check; the cache filled by
goal_image_paths is kept when goal_image_path is emptied after it.
"""

import numpy as np
import pytest
from goal_image_files import (
    PIXELS,
    _save,
    _tiff,
)
from PIL import Image

from vjepa_ros.images import ImageError, image_file_path, load_image_file
from vjepa_ros.robot import goal_files
from vjepa_ros.robot.awaited_goals import MAX_FORGOTTEN_SPANS, STATUS_ABORTED, AwaitedGoals
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages
from vjepa_ros.robot.input_flaps import MAX_CAUSES, InputFlaps
from vjepa_ros.robot.refusal import NO_REASON, Refusal, RefusalKind
from vjepa_ros.robot.refusal_log import RefusalLog

BIG = np.repeat(np.repeat(PIXELS, 2, 0), 2, 1)  # 96x128: the full-resolution image


def test_a_tiff_with_its_preview_first_loads_the_full_resolution_image(tmp_path):
    """Input: TIFF, IFD0 48x64 NewSubfileType 1 (preview), IFD1 96x128 NewSubfileType 0.

    Happened: one frame counted (the preview is no page), then the first IFD, the preview, is
    decoded: the goal is the 48x64 thumbnail. Should: load the full-resolution page (or refuse
    the file in one line), never plan toward the preview.
    """
    path = tmp_path / "raw_export.tif"
    _tiff(path, [(PIXELS, 1), (BIG, 0)])
    try:
        rgb = load_image_file(path)
    except ImageError:
        return  # a refusal is fine too
    assert rgb.shape == BIG.shape


def test_a_package_url_refusal_says_where_the_file_is():
    """Input: goal_image_path ``package://my_pkg/goals/goal.png``.

    Happened: "... is a package:// URL, not a local file: ... copy the file here and give its
    path". A package URL names a local file in the package's installed share folder. Should:
    say how to get its path (``ros2 pkg prefix --share my_pkg``/goals/goal.png).
    """
    with pytest.raises(ImageError) as refused:
        goal_files.check_goal_files("goal_image_path", ["package://my_pkg/goals/goal.png"])
    words = str(refused.value)
    assert "my_pkg" in words and ("share" in words or "pkg prefix" in words)
    assert "not a local file" not in words


def _goal(goals: AwaitedGoals, at: float) -> int:
    number = goals.sending()
    goals.went_out(number, 0.5, at)
    return number


def test_a_dropped_forgotten_goal_still_supersedes_after_the_newer_ones_are_rejected():
    """Input: goal 1 accepted; goals 2..66 sent, never answered, dropped as overdue.

    Then the driver comes back and rejects goals 3..66 (its stale queue), and aborts goal 1.
    Happened: goal 2 fell out of ``forgotten`` (MAX_FORGOTTEN 64 goals, oldest first), so after
    the rejections nothing newer stands: "the gripper goal ... was aborted ... check the hand".
    Should: goal 2 was sent and never rejected: it supersedes goal 1 (no failure counted).
    Fixed (fix46o): ``forgotten`` keeps spans of goals (``goal_spans.GoalSpans``), the 65 one.
    """
    goals = AwaitedGoals("/gripper", result_timeout_s=1.0)
    first = _goal(goals, 0.0)
    goals.accepted(first, 0.5, 0.0)
    later = [_goal(goals, 0.1) for _ in range(MAX_FORGOTTEN_SPANS + 1)]  # 65: the old cap + 1
    goals.overdue(0.9)  # goal 1 not yet: its own result is awaited
    goals.overdue(1.2)
    for number in later[1:]:
        goals.rejected(number, 0.5, 0.1, 2.0)
    failed = goals.failed
    said = goals.finished(first, 0.5, 0.0, 2.0, STATUS_ABORTED).said
    assert goals.failed == failed and (said is None or said[0] != "warning")


def test_an_hour_of_a_hung_driver_still_supersedes_an_old_accepted_goal():
    """Pin: goal 1 accepted, 3600 later goals dropped unaccepted; goal 1's abort is no failure."""
    goals = AwaitedGoals("/gripper", result_timeout_s=5.0)
    first = _goal(goals, 0.0)
    goals.accepted(first, 0.5, 0.0)
    for second in range(1, 3601):
        _goal(goals, float(second))
        goals.overdue(float(second))
    assert len(goals.forgotten.spans) == 1  # bounded: one span, however long the hang
    failed = goals.failed
    said = goals.finished(first, 0.5, 0.0, 3601.0, STATUS_ABORTED).said
    assert goals.failed == failed and (said is None or said[0] != "warning")


@pytest.mark.parametrize("path", ["C:\\goal.png", "C:/goal.png", "goal.png?x"])
def test_windows_paths_and_a_question_mark_are_plain_paths(path):
    """Pin: no ``://``, no ``file:`` prefix: the text is the path, not a URL."""
    assert str(image_file_path(path)) == path


def test_a_real_file_named_with_a_question_mark_loads_as_a_plain_path(tmp_path, monkeypatch):
    """Pin: a plain path keeps its ``?x`` (only a file URI's query is dropped)."""
    Image.fromarray(PIXELS).save(tmp_path / "goal.png?x", format="PNG")
    monkeypatch.chdir(tmp_path)
    assert np.array_equal(load_image_file("goal.png?x"), PIXELS)


def test_a_refusal_with_no_words_is_still_a_refusal():
    """Pin: an empty detail reads NO_REASON; the log says it (never "fine")."""
    assert Refusal(RefusalKind.PLANNER_ERROR, "").detail == NO_REASON
    log = RefusalLog(clock=lambda: 0.0)
    log.about("", "/camera/image_raw", "")
    assert log.refused(RefusalKind.STALE_INPUTS, "")
    assert "/camera/image_raw" in log.inputs.ongoing


def test_the_cameras_own_episode_survives_many_renamed_inputs():
    """Pin: 300 other inputs begin and end episodes; the camera, refused, is judged each check."""
    flaps = InputFlaps()
    for index in range(MAX_CAUSES + 44):
        flaps.judge(float(index), "/camera/image_raw", "stale camera image")
        flaps.judge(float(index), f"/state_{index}", "stale robot state")
    assert "/camera/image_raw" in flaps.ongoing
    assert len(flaps.ongoing) <= MAX_CAUSES


def test_the_cache_of_goal_image_paths_stays_when_goal_image_path_is_emptied(tmp_path):
    """Pin: goal_image_path checked, then goal_image_paths; emptying goal_image_path keeps it."""
    one = _save(tmp_path / "one.png", PIXELS)
    names = [_save(tmp_path / "a.png", PIXELS), _save(tmp_path / "b.png", 255 - PIXELS)]
    checked = CheckedGoalImages()
    goal_files.check_goal_files("goal_image_path", [one], checked=checked)
    goal_files.check_goal_files("goal_image_paths", names, checked=checked)
    goal_files.check_goal_files("goal_image_path", [], checked=checked)
    assert len(checked) == 2 and checked.filled_by == "goal_image_paths"
    goal_files.check_goal_files("goal_image_paths", [], checked=checked)
    assert len(checked) == 0
