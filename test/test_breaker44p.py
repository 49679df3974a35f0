"""breaker44p: today's README and docs changes, read and tried as a new user would.

Attacked: the ``/diagnostics`` keys table against ``robot/diagnostics.py`` and
``nodes/planner_diagnostics.py``; the capture refusals of the services table against
``GoalSession._captured_subgoal``; eval's two motions and its notes (quoted lines against the
printed ones); ``vjepa-ros pretrain`` refusing torchrun's variables (run: held); collect's
skipped seeds and ``collected.txt`` (``scripts/collect_manipulation_episodes.sh``); the
randomized scenes' redraw; docs/camera_placement.md and docs/device_check.md.
"""

from __future__ import annotations

import types

import pytest


@pytest.mark.xfail(strict=True, reason="eval's unmeasured-steps note names max_state_gap_s, "
                   "README quotes (--max-state-gap), the option a user can give")
def test_unmeasured_note_names_the_option_as_readme_quotes():
    """README's eval note quote names --max-state-gap; eval prints max_state_gap_s.

    README (eval, step 4) quotes the note ``(a state gap longer than 0.1 s (--max-state-gap)
    at its end: 1)``; eval prints ``0.1 s (max_state_gap_s)``, a name no eval option has: a user
    reading the note finds no ``--max_state_gap_s`` in ``vjepa-ros eval --help`` to widen the gap
    bound, and grepping the README for the printed line finds nothing.
    """
    from vjepa_ros.eval.step_notes import unmeasured_note
    from vjepa_ros.recordings.resample import END_GAP

    steps = types.SimpleNamespace(end_problems=[END_GAP, ""])
    note = unmeasured_note(steps, [0, 1], 0.1)
    assert "a state gap longer than 0.1 s (--max-state-gap) at its end: 1" in note, note
