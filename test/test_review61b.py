"""review61b: defects found reading session 61's second merges (83442b1d..c5416979), fixed.

mend61c (modules moved out of nodes/), docs61b (the simulator and post-training references),
mend61e (the frozen-mean warning's one route, goal_images' order, ...) and the two integration
fixes. Both fixed in the integration: a config copied while planning (``CEMConfig.with_``: one
plan's held axes, the camera check's horizon 1) gives no note its source gave already; inspect
expands ``~`` as train does. The tests pin the fixes.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
from planner_harness import HOME, checkpoint, harness  # noqa: F401
from sensor_msgs.msg import Image
from std_srvs.srv import Trigger
from test_review61a import _bag

from vjepa_ros.cli import main
from vjepa_ros.image_encodings import rgb_to_image_fields
from vjepa_ros.nodes.pose_msgs import stamp_seconds
from vjepa_ros.planning.config import FrozenMeanWarning

FROZEN = "never moves the search mean's xyz"


def test_a_node_says_a_frozen_mean_once_also_when_a_plan_holds_axes(harness, capfd):  # noqa: F811
    """A mean momentum of 1 is one start-up line, whatever the node plans later.

    The user starts the planner with ``planner.momentum_mean 1.0`` and ``goals.axes subgoal``,
    guides the arm to two sub-goals (``~/add_subgoal``; between them the base joint turns, so
    the TCP moves in x and y, not z) and enables it. Happens: the node logs its start-up
    warning (``planner.momentum_mean 1.0: ...``), and at the first plan toward the second
    sub-goal (z held: ``CEMConfig.with_held_axes``, on the worker thread, outside the start's
    ``said_warnings``) Python prints ``dataclasses.py:1501: FrozenMeanWarning:
    CEMConfig.momentum_mean 1.0: ..., or hold an axis with fixed_axes``: the warning a second
    time, in the planning package's words, advising a setting no node parameter holds.
    Should: one line, the start-up one (mend61e's "one route": Python prints none). The kind:
    every ``CEMConfig`` the node builds after its start (read, not run here: the live
    ``~/camera_check``'s ``dataclasses.replace(cem, horizon=1)``, ``eval/camera_check_search.py``).
    """
    turned = list(HOME)
    turned[0] += 0.4  # the base joint: the TCP swings ~12 cm in x, y at one height
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        h = harness(**{"planner.momentum_mean": 1.0, "goals.axes": "subgoal",
                       "goals.default_steps": [1, 5]})
        session = h.planner.session
        inputs = session.inputs

        def seen(moved: bool, since: float) -> bool:  # a state at the pose, a frame since
            # (the harness publishes a frame, then a state, in each call: "a frame stamped after
            # the kept state" holds only between two callbacks; a frame after the move is asked)
            state, frame = inputs.latest_state(), inputs.frame
            return state is not None and frame is not None and frame.stamp > since \
                and (abs(state.value[1]) > 0.05) == moved  # y: 0 at home, ~0.12 m turned

        def now() -> float:
            return stamp_seconds(h.stamp())

        start = now()
        assert h.pump(3.0, until=lambda: seen(False, start))
        assert h.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request()).success
        start = now()
        # the camera shows the turned arm: another picture (the harness's frames are noise
        # of one mean, the same picture by the captures' block rule: fix61b)
        dark = np.full((48, 64, 3), 30, dtype=np.uint8)
        dark[:, :32] = 200

        def shown():
            return Image(**rgb_to_image_fields(dark))

        assert h.pump(3.0, until=lambda: seen(True, start), joints=turned, image=shown())
        answer = h.call(Trigger, "/vjepa_planner/add_subgoal", Trigger.Request())
        assert answer.success, answer.message
        assert "held axes" in answer.message, answer.message  # z held toward sub-goal 2
        h.enable()
        assert h.pump(3.0, until=lambda: session.goals.index == 1, joints=turned,
                      image=shown())
        assert h.pump(3.0, until=lambda: session.goals.steps_done >= 1,  # planned, z held
                      joints=turned, image=shown())
    err = capfd.readouterr().err
    frozen = [w for w in caught if issubclass(w.category, FrozenMeanWarning)]
    lines = [line for line in err.splitlines() if FROZEN in line]
    assert len(lines) == 1, lines  # the node's start-up line
    assert not frozen, [f"{w.filename}:{w.lineno}: {w.message}" for w in frozen]


def test_inspect_decides_train_s_opening_over_a_home_relative_path(tmp_path, monkeypatch,
                                                                   capsys):
    """What the user does: ``vjepa-ros inspect '~/narrow'`` (a 0.07 m hand's bag in the home).

    The path as train takes it too: quoted, or from a ``--config`` file's ``data.train``
    (``train.episodes.find_sources`` and ``recorded_width.run_opening`` expand ``~``, so
    ``train --data '~/narrow'`` reads the bag at the 0.07 m it records). What happens (since
    0ae54a2c, review61a #2's fix): inspect reads the bag (its eval part: 0.07 m) but decides
    train's opening over ``[p for p in paths if os.path.exists(p)]``, which drops ``~/narrow``;
    the train part says 0.08 m, with the warning that the closedness is not what was recorded.
    What should happen: train's opening of the bag, 0.07 m, as ``inspect /abs/narrow`` says.
    """
    monkeypatch.setenv("HOME", str(tmp_path))
    _bag(tmp_path / "narrow", 0.07)
    main(["inspect", "~/narrow", "--frames-per-clip", "2", "--json"])
    (entry,) = json.loads(capsys.readouterr().out)["sources"]
    assert entry["eval"]["gripper_max_width"] == 0.07, entry
    assert entry["train"]["gripper_max_width"] == 0.07, entry["hand"]
