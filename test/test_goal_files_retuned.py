"""Goal images re-sent, goal files retuned and refused sets: the family of breaker54a's.

Over ROS (the planner harness): the active goal's image sent again in another encoding, or
after its counts were retuned, is no new goal; ``goal_steps`` / ``goal_gripper`` on a goal from
files change its counts only (files edited or deleted since are not read), lists of another
length wait, and a list waiting for its counts loads its files when they come, a file gone
since refused naming the parameter set and the file's; a goal file set reads each header once
(mend60a). ROS-free: a refused goal parameter set
keeps no decoded image of its own (``nodes/goal_parameters.updated_goal_values``).
"""

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from planner_harness import checkpoint, harness  # noqa: E402, F401
from sensor_msgs.msg import Image  # noqa: E402
from std_srvs.srv import Trigger  # noqa: E402
from test_robot_mpc import frame  # noqa: E402
from test_ros_planner_goals import set_goal_param  # noqa: E402

from vjepa_ros.images import rgb_to_image_fields, save_image_file  # noqa: E402
from vjepa_ros.nodes.goal_parameters import EMPTY, updated_goal_values  # noqa: E402
from vjepa_ros.robot.checked_goal_images import CheckedGoalImages  # noqa: E402

pytestmark = pytest.mark.usefixtures("one_thread")


def test_the_goal_image_again_in_another_encoding_or_retuned_is_the_same_goal(harness):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(7))))
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    assert set_goal_param(h, "goal_steps", [5]).successful  # retuned: 5 steps, not "until changed"
    assert h.session.goals.steps == [5]
    version = h.session.goal_version
    for encoding in ("bgr8", "rgb8"):  # a driver's bgr8 copy of the same picture: one goal
        message = Image(**rgb_to_image_fields(frame(7), encoding))
        message.header.stamp = h.stamp()
        h.goal_pub.publish(message)
        h.pump(1.0)
    assert h.session.goal_version == version and h.session.goals.steps == [5]
    said = h.logs("came again with the same pixels")
    assert len(said) == 1, "said once per goal"
    assert "commanding is off: ~/enable true pursues it" in said[0], "no plan is in progress"
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(8))))  # another picture: a new goal
    assert h.pump(3.0, until=lambda: h.session.goal_version > version)
    assert np.array_equal(h.session.goals.goals[0].image, frame(8))
    assert h.call(Trigger, "/vjepa_planner/clear_goals", Trigger.Request()).success
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(8))))  # after ~/clear_goals: taken
    assert h.pump(3.0, until=lambda: h.session.goals is not None)


def test_goal_files_retuned_without_reading_them_and_a_waiting_list_loaded(harness, tmp_path):  # noqa: F811
    h = harness()
    a, b, c = (str(save_image_file(tmp_path / f"{n}.png", frame(i)))
               for i, n in enumerate("abc", start=1))
    assert set_goal_param(h, "goal_image_paths", [a, b]).successful
    (tmp_path / "a.png").unlink()
    save_image_file(tmp_path / "b.png", frame(9))
    result = set_goal_param(h, "goal_gripper", [0.0, 1.0])  # counts only: no file read
    assert result.successful, result.reason
    goals = h.session.goals.goals
    assert [g.gripper for g in goals] == [0.0, 1.0] and [g.source for g in goals] == [a, b]
    assert np.array_equal(goals[0].image, frame(1)) and np.array_equal(goals[1].image, frame(2))
    version = h.session.goal_version
    assert set_goal_param(h, "goal_steps", [4, 4, 4]).successful  # another length: waits
    assert h.session.goal_version == version
    waited = "goal not changed yet: 2 goal images but 3 goal_steps"
    assert h.pump(3.0, until=lambda: h.logs(waited))
    save_image_file(tmp_path / "a.png", frame(1))
    save_image_file(tmp_path / "b.png", frame(2))
    assert set_goal_param(h, "goal_image_paths", [a, b, c]).successful  # waits for its grippers
    assert h.session.goal_version == version
    (tmp_path / "c.png").unlink()  # gone before the list can load
    result = set_goal_param(h, "goal_gripper", [0.0, 0.0, 1.0])
    assert not result.successful
    assert result.reason.startswith("goal_gripper not applied: the goal files are read now")
    assert "goal_image_paths entry 3 of 3: " in result.reason and "c.png" in result.reason
    assert h.session.goal_version == version, "the previous goal stays"
    save_image_file(tmp_path / "c.png", frame(3))
    assert set_goal_param(h, "goal_gripper", [0.0, 0.0, 1.0]).successful
    assert h.session.goals.steps == [4, 4, 4] and len(h.session.goals.goals) == 3


def test_one_goal_file_retuned_after_it_was_deleted(harness, tmp_path):  # noqa: F811
    h = harness()
    path = str(save_image_file(tmp_path / "g.png", frame(4)))
    assert set_goal_param(h, "goal_image_path", path).successful
    (tmp_path / "g.png").unlink()
    result = set_goal_param(h, "goal_steps", [6])
    assert result.successful, result.reason
    assert h.session.goals.steps == [6] and h.session.goals.goals[0].source == path


def _values():
    return {name: empty for name, (empty, _) in EMPTY.items()}


def test_refused_goal_parameter_sets_keep_no_image_of_their_own(tmp_path):
    paths = [str(save_image_file(tmp_path / f"{i}.png", frame(i))) for i in range(3)]
    other = str(save_image_file(tmp_path / "x.png", frame(9)))
    checked = CheckedGoalImages()
    with pytest.raises(ValueError, match="goal_steps entry 1 of 1 is -1"):  # with the files
        updated_goal_values(_values(), {"goal_image_paths": paths, "goal_steps": [-1]},
                            checked=checked)
    assert len(checked) == 0, "refused for its counts: no file decoded for it"
    values = updated_goal_values(_values(), {"goal_image_paths": paths}, checked=checked)
    assert len(checked) == 3
    with pytest.raises(ValueError, match="goal_image_path and goal_image_paths are both set"):
        updated_goal_values(values, {"goal_image_path": other, "goal_image_paths": [other]},
                            checked=checked)
    bad = str(tmp_path / "gone.png")
    with pytest.raises(ValueError, match="goal_image_path: image file not found"):
        updated_goal_values(values, {"goal_image_path": bad}, checked=checked)  # its own first
    assert checked.image(other) is None and all(checked.image(p) is not None for p in paths)


def test_a_goal_file_set_reads_each_header_once(harness, tmp_path, monkeypatch):  # noqa: F811
    """mend60a: ``ros2 param set goal_image_paths [a, b]`` checked each header twice.

    The set's own check (``updated_goal_values``) read every header, then the load read them
    all again before the decode (``_decode_goal_files``): a TIFF's IFDs walked twice on
    the executor. Expected: once each; a files set named before a counts set is still checked
    again then (``test_goal_files_retuned_without_reading_them_and_a_waiting_list_loaded``).
    """
    import vjepa_ros.robot.goal_files as goal_files

    h = harness()
    a, b = (str(save_image_file(tmp_path / f"{n}.png", frame(i))) for i, n in enumerate("ab"))
    real, read = goal_files.check_image_file_header, []
    monkeypatch.setattr(goal_files, "check_image_file_header",
                        lambda path: read.append(path) or real(path))
    assert set_goal_param(h, "goal_image_paths", [a, b]).successful
    assert h.session.goals is not None and [g.source for g in h.session.goals.goals] == [a, b]
    assert read == [a, b], "each header read once"
