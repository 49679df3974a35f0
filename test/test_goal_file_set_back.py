"""fix59r1: a goal file only its decode refuses sets the file parameters back (review59r #3).

``ros2 param set /vjepa_planner goal_image_path(s) ...`` checks each file's header in the set
(the decode runs off the executor thread afterwards: fix59a), so a file whose pixels only the
decode refuses (transparent pixels, pixel data cut short) is answered successful and refused
in one error line once decoded. The goal stays the one in force, and the file parameters are
set back to what it stands on (``nodes/goal_decodes.GoalDecodes._files_refused``), said in the
line: the files of the goal in force, or empty when it came from a service or the topic, or
none was set; empty too when the file in force is gone since it was loaded.
"""

from __future__ import annotations

import numpy as np
import pytest
from planner_harness import checkpoint, frame, harness  # noqa: F401

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from PIL import Image as PILImage  # noqa: E402
from rcl_interfaces.msg import Log  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_ros_planner_goals import set_goal_param  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402


def _bad_file(tmp_path, kind: str) -> str:
    """Write a PNG whose header passes and whose decode refuses it: ``transparent`` or ``cut``."""
    path = tmp_path / f"{kind}.png"
    if kind == "transparent":
        alpha = np.full((48, 64), 255, np.uint8)
        alpha[:24] = 0  # half the pixels transparent
        PILImage.fromarray(np.dstack([frame(6), alpha]), "RGBA").save(path)
    else:  # pixel data cut short: a copy interrupted, a download not finished
        PILImage.fromarray(frame(6)).save(path)
        path.write_bytes(path.read_bytes()[:400])
    return str(path)


def _good_files(tmp_path) -> list[str]:
    """Write two goal files, a.png (``frame(5)``) and b.png (``frame(7)``); return their paths."""
    good = [str(tmp_path / "a.png"), str(tmp_path / "b.png")]
    for path, seed in zip(good, (5, 7), strict=True):
        PILImage.fromarray(frame(seed)).save(path)
    return good


def _refusal(h) -> str:
    h.pump(3.0, until=lambda: h.logs("not applied", level=Log.ERROR))
    lines = h.logs("not applied", level=Log.ERROR)
    assert len(lines) == 1, [m.msg for m in h.got["log"]][-6:]
    assert "\n" not in lines[0]
    return lines[0]


@pytest.mark.parametrize("kind", ["transparent", "cut"])
@pytest.mark.parametrize("parameter", ["goal_image_path", "goal_image_paths"])
def test_a_file_the_decode_refuses_sets_the_parameter_back_to_the_goal_files(
        harness, tmp_path, kind, parameter):  # noqa: F811
    h = harness()
    h.pump(1.0)
    good = _good_files(tmp_path)
    in_force = good[0] if parameter == "goal_image_path" else good
    assert set_goal_param(h, parameter, in_force).successful
    version = h.session.goal_version
    assert version and h.planner.goal_parameter == parameter
    bad = _bad_file(tmp_path, kind)
    result = set_goal_param(h, parameter, bad if parameter == "goal_image_path"
                            else [good[0], bad])
    assert result.successful  # (headers only: the decode refuses it after the answer)
    line = _refusal(h)
    assert line.startswith(f"{parameter} not applied: ") and bad in line, line
    assert f"{parameter} is set back to {in_force!r} (the files of the goal in force)" in line
    assert h.session.goal_version == version
    np.testing.assert_array_equal(h.session.goals.goals[0].image, frame(5))
    assert h.planner.get_parameter(parameter).value == in_force
    # set again to the value in force: no goal change (it describes the goal truly)
    assert set_goal_param(h, parameter, in_force).successful
    assert h.session.goal_version == version


@pytest.mark.parametrize("before", ["topic", "none"])
def test_a_refused_file_with_a_goal_not_from_files_sets_the_parameter_back_to_empty(
        harness, tmp_path, before):  # noqa: F811
    """The goal in force from ``~/goal_image`` (or none): the parameter back to ''."""
    h = harness()
    h.pump(1.0)
    if before == "topic":
        h.goal_pub.publish(Image(**rgb_to_image_fields(frame(9))))
        assert h.pump(3.0, until=lambda: h.session.goals is not None)
    version = h.session.goal_version
    bad = _bad_file(tmp_path, "transparent")
    assert set_goal_param(h, "goal_image_path", bad).successful
    line = _refusal(h)
    assert "goal_image_path is set back to '' (no goal file is in force)" in line, line
    assert h.planner.get_parameter("goal_image_path").value == ""
    assert h.session.goal_version == version
    if before == "topic":
        np.testing.assert_array_equal(h.session.goals.goals[0].image, frame(9))
    else:
        assert h.session.goals is None


def test_a_refused_file_whose_goal_file_in_force_is_gone_sets_the_parameter_to_empty(
        harness, tmp_path):  # noqa: F811
    """The goal's file deleted since it was loaded: naming it again would fail its check."""
    h = harness()
    h.pump(1.0)
    good = tmp_path / "a.png"
    PILImage.fromarray(frame(5)).save(good)
    assert set_goal_param(h, "goal_image_path", str(good)).successful
    good.unlink()
    assert set_goal_param(h, "goal_image_path", _bad_file(tmp_path, "cut")).successful
    line = _refusal(h)
    assert "goal_image_path is set back to '' (the goal's files are gone" in line, line
    assert h.planner.get_parameter("goal_image_path").value == ""
    np.testing.assert_array_equal(h.session.goals.goals[0].image, frame(5))


def test_counts_set_with_a_refused_file_are_set_back_too(harness, tmp_path):  # noqa: F811
    """``ros2 param load`` of goal_image_paths and goal_steps together, one file transparent.

    (rclpy sets them one at a time: goal_steps comes while the files decode, meant for them.)
    """
    from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
    from rcl_interfaces.srv import SetParameters

    h = harness()
    h.pump(1.0)
    good = _good_files(tmp_path)
    assert set_goal_param(h, "goal_steps", [2, 3]).successful
    assert set_goal_param(h, "goal_image_paths", good).successful
    version = h.session.goal_version
    request = SetParameters.Request(parameters=[
        Parameter(name="goal_image_paths", value=ParameterValue(
            type=ParameterType.PARAMETER_STRING_ARRAY,
            string_array_value=[good[0], _bad_file(tmp_path, "transparent")])),
        Parameter(name="goal_steps", value=ParameterValue(
            type=ParameterType.PARAMETER_INTEGER_ARRAY, integer_array_value=[9, 9]))])
    results = h.call(SetParameters, "/vjepa_planner/set_parameters", request).results
    assert all(result.successful for result in results)
    line = _refusal(h)
    assert f"goal_image_paths is set back to {good!r} (the files of the goal in force), " \
           "goal_steps to [2, 3]" in line, line
    assert h.planner.get_parameter("goal_image_paths").value == good
    assert list(h.planner.get_parameter("goal_steps").value) == [2, 3]
    assert h.session.goal_version == version


@pytest.mark.parametrize("in_force", ["goal_image_path", "goal_image_paths"])
def test_a_refused_set_of_the_other_file_parameter_sets_both_back(
        harness, tmp_path, in_force):  # noqa: F811
    """``goal-image`` switching file parameter (one atomic set, the other one emptied), refused.

    The goal in force from one file parameter; an atomic set empties it and names a cut file in
    the other (``vjepa-ros planner goal-image GOOD CUT --steps 2 3`` after ``goal-image GOOD``,
    and the reverse). The decode refuses the cut file: both file parameters and the counts are
    set back to the goal in force, the line naming the cut file and that goal's files as the
    reason (fix62g, user62b #3: the parameter in force was left emptied, "the goal's files are
    gone or changed" said though they were not).
    """
    from rcl_interfaces.msg import Parameter, ParameterType, ParameterValue
    from rcl_interfaces.srv import SetParametersAtomically

    h = harness()
    h.pump(1.0)
    good = _good_files(tmp_path)
    value = good[0] if in_force == "goal_image_path" else good
    steps = [] if in_force == "goal_image_path" else [2, 3]
    assert set_goal_param(h, "goal_steps", steps).successful
    assert set_goal_param(h, in_force, value).successful
    version = h.session.goal_version
    bad = _bad_file(tmp_path, "cut")
    refused = [good[0], bad] if in_force == "goal_image_path" else bad
    kinds = {"goal_image_path": (ParameterType.PARAMETER_STRING, "string_value"),
             "goal_image_paths": (ParameterType.PARAMETER_STRING_ARRAY, "string_array_value"),
             "goal_steps": (ParameterType.PARAMETER_INTEGER_ARRAY, "integer_array_value")}
    other = "goal_image_paths" if in_force == "goal_image_path" else "goal_image_path"
    values = {in_force: "" if in_force == "goal_image_path" else [], other: refused,
              "goal_steps": [4, 4] if in_force == "goal_image_path" else []}
    request = SetParametersAtomically.Request(parameters=[
        Parameter(name=name, value=ParameterValue(type=kinds[name][0],
                                                  **{kinds[name][1]: v}))
        for name, v in values.items()])
    assert h.call(SetParametersAtomically, "/vjepa_planner/set_parameters_atomically",
                  request).result.successful
    line = _refusal(h)
    assert bad in line and "gone" not in line, line
    assert f"{in_force} is set back to {value!r} (the files of the goal in force)" in line, line
    assert h.planner.get_parameter(in_force).value == value
    assert not h.planner.get_parameter(other).value
    assert list(h.planner.get_parameter("goal_steps").value) == steps
    assert h.session.goal_version == version
    np.testing.assert_array_equal(h.session.goals.goals[0].image, frame(5))
