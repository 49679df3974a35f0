"""The planner node on ROS refuses bad camera input plainly: clocks, frame sizes, log lines.

Tester and planner as in ``test_ros_planner_node`` (``Harness``: in-process launch, a tiny model).
"""

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
import numpy as np  # noqa: E402
import rclpy  # noqa: E402
from geometry_msgs.msg import PoseStamped  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from test_ros_planner_node import Harness, checkpoint, frame, harness  # noqa: E402,F401

from vjepa_ros.images import rgb_to_image_fields  # noqa: E402
from vjepa_ros.models import build_encoder, build_predictor, save_world_model  # noqa: E402


def test_sim_time_without_clock_is_named_and_diagnostics_still_report(harness):  # noqa: F811
    h = harness(use_sim_time=True)  # no /clock: the node clock stays 0
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    assert h.pump(6.0, until=lambda: h.got["diag"] and "no /clock" in h.diagnostics()[1][
        "refusal"]), "no diagnostics naming the missing /clock (sim time never runs)"
    assert h.logs("use_sim_time is true but no /clock has arrived")
    assert not h.got["pose"] and not h.got["gripper"]


def test_camera_frames_of_a_refused_size_are_held_on_and_never_captured(harness):  # noqa: F811
    h = harness()
    for width, height in ((2000, 2), (8, 8)):
        bad = Image(**rgb_to_image_fields(np.zeros((height, width, 3), np.uint8)))
        assert h.pump(3.0, until=lambda w=width: h.session.frame is not None and
                      h.session.frame.value.shape[1] == w, image=bad)
        answer = h.capture()
        assert not answer.success and "/cam/image" in answer.message, answer.message
    assert h.session.goals is None
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    assert h.enable().success
    h.pump(2.0, image=bad)
    assert not h.got["pose"] and not h.got["gripper"], "commanded on a refused frame"
    for size in ("2000x2", "8x8"):
        assert len(h.logs(f"camera frame refused, holding until frames of a usable size come: "
                          f"the newest camera frame on /cam/image is {size} px")) == 1
    assert not h.logs("smaller than the world model's"), "a refused frame is not noted as small"
    assert h.pump(8.0, until=lambda: h.got["pose"]), "no recovery on usable frames"


def test_camera_frames_not_of_the_recorded_training_size_are_noted_once(tmp_path):
    """A model post-trained on 32x32 frames (its file says so) sees the 64x48 px camera."""
    encoder = build_encoder(img_size=32, embed_dim=64, depth=1, num_heads=2)
    predictor = build_predictor(img_size=32, embed_dim=64, predictor_embed_dim=64, depth=1,
                                num_heads=2)
    path = save_world_model(tmp_path / "sized.pt", encoder, predictor,
                            data={"frame_sizes": [[32, 32]]})
    h = Harness(str(path))
    try:
        note = ("the camera's frames are 64x48 px, but the predictor was post-trained on 32x32 "
                "px frames (recorded in its checkpoint)")
        assert h.pump(4.0, until=lambda: h.logs(note)), "no note on the camera's size"
        h.pump(0.5)  # many more frames of that size
        assert len(h.logs(note)) == 1
        assert h.logs(note)[0].endswith("set the camera to 32x32 (the simulator: its width and "
                                        "height parameters)")
    finally:
        h.close()


def test_a_second_node_of_the_same_name_is_reported_and_enable_refused(harness):  # noqa: F811
    h = harness()
    twin = rclpy.create_node("vjepa_planner", context=h.context)  # another process, same name
    twin.create_publisher(PoseStamped, "target_pose", 10)
    assert h.pump(4.0, until=lambda: h.got["diag"] and h.diagnostics()[1][
        "other_command_publishers"]), "the twin is invisible"
    status, values = h.diagnostics()
    assert "/vjepa_planner (another process of this name)" in values["other_command_publishers"]
    assert status.level == b"\x02" and "another node named /vjepa_planner" in status.message
    answer = h.enable()
    assert not answer.success and "stop the other one" in answer.message, answer.message
    assert len(h.logs("another node named /vjepa_planner publishes on /target_pose")) >= 1
    assert not h.session.enabled
    twin.destroy_node()
    assert h.pump(4.0, until=lambda: h.enable().success and h.session.enabled)
