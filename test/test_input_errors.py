"""The planner node's bad-input error lines: each problem at once, not one per changing value."""

from vjepa_ros.robot.input_errors import REPEAT_S, InputErrorLog


def test_a_problem_with_changing_values_is_logged_once_per_repeat_interval():
    log = InputErrorLog()
    lines = [log.due(f"unusable joint state: arm joint positions contain NaN or inf: "
                     f"[{0.001 * k:.3f}, nan, -2.356]", 0.025 * k) for k in range(400)]  # 10 s
    assert [k for k, due in enumerate(lines) if due] == [0, 201], "at 0 s and just after 5 s"
    assert log.due("unusable joint state: joint 4 at -3.100 rad is outside its limits", 1.0), \
        "another problem at once"
    assert not log.due("unusable joint state: arm joint positions contain NaN or inf: "
                       "[-inf, 1e-05, +2]", 5.0 + REPEAT_S), "nan, inf and signs are values too"
