"""mend50m: the words a new user sees, and the README's quotes of them, say what happens.

The camera check's two progress bars are quoted by the README as they are labelled.
``vjepa-ros run``'s summary of a placed object that is not put down (pick-and-place's success
since the put-down rule) says why, and its totals over seeds all skipped give the success rate.
"""

from pathlib import Path
from types import SimpleNamespace

from vjepa_ros.eval.camera_check_bag import SEARCH_LABELS
from vjepa_ros.robot.goal_switch_config import GoalSwitchConfig
from vjepa_ros.sim.manipulation import ExpertOutcome
from vjepa_ros.sim.task_run import SceneReading, TaskRun, format_totals

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_names_the_camera_checks_progress_bars_as_labelled():
    text = " ".join(README.read_text().split())
    assert SEARCH_LABELS == ("camera-check search 1 of 2",
                             "camera-check search 2 of 2 (another seed)")
    assert all(f"`{label}`" in text for label in SEARCH_LABELS)
    assert "the `eval:` progress bars (one per search)" not in text


def _task_run(placed: bool, success: bool, shift_m: float | None) -> TaskRun:
    """Return a pick-and-place episode's record, as run_task does (no simulator needed)."""
    setup = SimpleNamespace(seed=900000, task="pick-and-place")
    episode = SimpleNamespace(steps=[], sim_seconds=10.0, held="", success=success)
    reading = SceneReading(1.0, 0.1, 0.0, 0.01, False, carried_shift_m=shift_m)
    outcome = ExpertOutcome(success, False, placed, None, 0, [], False, grasped_during=True)
    return TaskRun(setup, "cup", GoalSwitchConfig(), episode, outcome, [], reading, 3.0, 40)


def test_a_placed_object_not_put_down_says_why_not_where_success_needs_put_down():
    pushed = _task_run(placed=True, success=False, shift_m=0.042)
    assert "failure; grasped during the episode yes, at the end no, placed yes, not put down " \
           "(4.2 cm from where it was last held, over max_put_down_shift 3 cm: pushed there?); " \
           in pushed.summary(), pushed.summary()
    never = _task_run(placed=True, success=False, shift_m=None)
    assert ", placed yes, not put down (never held: pushed there?); " in never.summary()
    done = _task_run(placed=True, success=True, shift_m=0.01)
    assert "SUCCESS; grasped during the episode yes, at the end no, placed yes; 0 steps" \
           in done.summary(), done.summary()
    totals = format_totals([pushed, done])
    assert totals.startswith("total: success 1/2 (50%), grasped during 2/2, placed 2/2 "
                             "(1 not put down: not carried there); median"), totals
    assert "not put down" not in format_totals([done])


def test_every_seed_skipped_totals_say_the_success_rate_and_why():
    assert format_totals([], skipped=2) == \
        "total: success 0/2 (0%): no episode ran (2 seeds skipped: no sub-goal images)"
    assert format_totals([], skipped=1) == \
        "total: success 0/1 (0%): no episode ran (1 seed skipped: no sub-goal images)"
