"""name_lists: the one wording of "the first few names, then the rest marked"; the closest name.

first_names, and closest_name: the one rule for the closest of many names to a misspelt one.
"""

import numpy as np
import pytest

from vjepa_ros.name_lists import CLOSE, closest_name, first_names
from vjepa_ros.recordings.stray_states import stray_note


def test_all_named_when_few_and_marked_when_many():
    assert first_names(["a", "b"], 3) == "a, b"
    assert first_names(["a", "b", "c"], 3) == "a, b, c"  # exactly shown: no mark
    assert first_names(["a", "b", "c", "d"], 3) == "a, b, c, ..."
    assert first_names(iter(range(7)), 2, " (and {count} more)") == "0, 1 (and 5 more)"
    assert first_names([], 3) == ""


def test_shown_below_one_refused():
    with pytest.raises(ValueError, match="shown must be at least 1"):
        first_names(["a"], 0)


def test_stray_note_marks_runs_left_out_as_the_other_notes_do():
    """Was ", …" here and ", ..." in every other such list: one mark now."""
    stray = np.zeros(20, dtype=bool)
    stray[1::3] = True  # 7 runs of one state
    times = np.arange(20, dtype=np.int64) * 100_000_000
    note = stray_note("/arm", times, stray)
    assert "at 0.10 s, 0.40 s, 0.70 s, 1.00 s, 1.30 s, ... after its first state" in note
    assert "…" not in note


def test_names_joined_by_a_separator_given():
    """out_paths' overwrite note: "a and b and 2 more", as it wrote it by hand."""
    assert first_names(["a", "b"], 2, " and {count} more", " and ") == "a and b"
    assert first_names(list("abcd"), 2, " and {count} more", " and ") == "a and b and 2 more"


def test_closest_name_by_suffix_then_spelling_of_the_part_a_key_picks():
    """The rule nodes/unknown_params and param_ranges.unknown_words both used to write out."""
    names = ["planner.samples", "planner.topk", "control.mode", "camera.sample_rate"]
    assert closest_name("samples", names) == "planner.samples"  # ending in .name first
    # whole names: 'sampels' is far from 'planner.samples' (ratio 0.55): none at 0.6
    assert closest_name("sampels", names, cutoff=CLOSE) == ""
    by_last = closest_name("sampels", names, cutoff=CLOSE, key=lambda n: n.rpartition(".")[2])
    assert by_last == "planner.samples"
    assert closest_name("zzz", names, cutoff=CLOSE) == ""
    assert closest_name("zzz", names) != ""  # cutoff 0: the most alike, however unlike
    assert closest_name("x", []) == ""
