"""The vjepa_planner node on real rclpy (loopback), a tiny random model and a tiny CEM.

Each test starts the node with ``nodes_in_process.Launch`` (the in-process equivalent of
the launch file, with config/planner.yaml) and a tester node that plays camera and robot.
"""

import math
import threading
import time

import numpy as np
import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from geometry_msgs.msg import PoseStamped  # noqa: E402
from planner_harness import (  # noqa: E402, F401
    BOX_MAX,
    BOX_MIN,
    FR3,
    HOME,
    JOINTS,
    TIGHT_AGE,
    WAIT_SLACK,
    Harness,
    _nothing_set_after_the_hold,
    a_second_camera_holds_until_it_stops,
    checkpoint,
    frame,
    harness,
    poses_of,
)
from rcl_interfaces.msg import Log, Parameter, ParameterType, ParameterValue  # noqa: E402
from rcl_interfaces.srv import SetParameters  # noqa: E402
from sensor_msgs.msg import CompressedImage, Image, JointState  # noqa: E402

from vjepa_ros.images import (  # noqa: E402
    rgb_to_image_fields,
    save_image_file,
)
from vjepa_ros.nodes.pose_msgs import stamp_seconds  # noqa: E402
from vjepa_ros.robot.plan_record import PlanRecord  # noqa: E402
from vjepa_ros.robot.subgoal import SubGoal  # noqa: E402


def test_commands_only_after_enable_and_with_a_goal_and_within_limits(harness):  # noqa: F811
    h = harness(**{"control.publish_twist": True})
    h.pump(1.0)
    assert not h.got["pose"] and not h.got["action"], "no goal: nothing planned or sent"
    assert h.enable().success
    h.pump(1.0)
    assert not h.got["pose"] and not h.got["gripper"], "enabled without a goal: nothing sent"
    # the newest diagnostics message may be older than the enable, or say an input aged past
    # its limit for a moment on a loaded machine: wait for one that names the missing goal
    assert h.pump(1.0, until=lambda: "no goal" in h.diagnostics()[1]["refusal"]), \
        h.diagnostics()
    _, values = h.diagnostics()
    assert values["device"] == "cpu" and values["dtype"].startswith("torch.")  # for tools
    assert int(values["torch_threads"]) >= 1 and float(values["gil_switch_interval_ms"]) > 0
    assert h.enable(False).success
    assert h.pump(1.0, until=lambda: h.session.frame is not None)  # a frame to capture
    assert h.capture().success
    assert h.pump(5.0, until=lambda: len(h.got["action"]) >= 3), "shadow mode plans"
    assert not h.got["pose"] and not h.got["gripper"], "shadow mode sends nothing"
    action = h.got["action"][-1]
    assert len(action.data) == 7 and action.layout.dim[0].label == \
        "dx dy dz droll dpitch dyaw dgripper"
    assert h.enable().success
    # 40 set-points take 0.4 s at 100 Hz; the long timeout only matters on a starved CI machine.
    assert h.pump(20.0, until=lambda: len(h.got["pose"]) >= 40), (
        f"no commands after enable: {len(h.got['pose'])} poses, diagnostics "
        f"{h.diagnostics()[1]}, log {[m.msg for m in h.got['log']][-5:]}")
    poses = poses_of(h.got["pose"])
    assert np.isfinite(poses).all()
    assert np.all(poses[:, :3] >= BOX_MIN) and np.all(poses[:, :3] <= BOX_MAX)
    assert {m.header.frame_id for m in h.got["pose"]} == {"panda_link0"}
    np.testing.assert_allclose(np.linalg.norm(poses[:, 3:], axis=1), 1.0, atol=1e-9)
    first = np.array([0.3069, 0.0, 0.4869])  # the measured home pose: no jump at the start
    assert np.linalg.norm(poses[0, :3] - first) < 0.01
    # Between two messages the set-point moves at most max_speed · (5 stream periods).
    assert np.linalg.norm(np.diff(poses[:, :3], axis=0), axis=1).max() <= 0.1 * 5 / 50 + 1e-9
    assert h.got["gripper"] and all(0.0 <= m.data <= 1.0 for m in h.got["gripper"])
    assert h.got["twist"], "publish_twist: servo_twist streams too"
    # Diagnostics say OK while enabled (on a loaded machine an input can briefly age past the
    # limit, which correctly turns them to WARN for a moment: wait for the next OK).
    assert h.pump(5.0, until=lambda: h.diagnostics()[0].level == b"\x00"), h.diagnostics()
    values = h.diagnostics()[1]
    assert values["enabled"] == "True"
    assert float(values["planning_latency_s"]) > 0 and values["energy"]


def test_stale_camera_holds_and_commands_resume_when_it_returns(harness):  # noqa: F811
    h = harness(**TIGHT_AGE)
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    assert h.capture().success and h.enable().success
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= 10)
    h.pump(2.2, image=None)  # camera silent; joint states keep coming
    # the newest diagnostics message may predate the image limit (its timer waited for a core)
    assert h.pump(1.0, until=lambda: "camera image is stale" in h.diagnostics()[1]["refusal"],
                  image=None), h.diagnostics()
    assert h.pump(2.0, until=lambda: h.logs("camera image is stale"), image=None)
    # By stamp, not by count: a set-point computed while the image was fresh can reach this
    # thread late (queued while it waited for a core) and is no fault. A set-point is stamped
    # with the time its tick computed it for; none may come later than the image limit.
    fresh_until = h.image_stamps[-1] + TIGHT_AGE["safety.max_image_age_s"] + 1e-6  # rounding
    late = [stamp_seconds(m.header.stamp) for m in h.got["pose"]
            if stamp_seconds(m.header.stamp) > fresh_until]
    assert not late, f"commands went out with a stale camera: {len(late)} after {fresh_until}"
    count = len(h.got["pose"])
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= count + 10), "no recovery"
    assert h.pump(3.0, until=lambda: h.diagnostics()[1]["refusal"] == "")


def test_malformed_images_log_errors_and_send_nothing(harness):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))  # latched goal topic
    assert h.pump(3.0, until=lambda: h.session.goals is not None, image=None)
    assert h.enable().success
    good = rgb_to_image_fields(frame(1))
    bad = [
        Image(**{**good, "encoding": "32FC1"}),
        Image(**{**good, "height": 0, "width": 0, "step": 0, "data": b""}),
        Image(**{**good, "step": good["step"] + 7}),
    ]
    for image in bad:
        h.pump(0.4, image=image)
    h.pump(3.0, until=lambda: len(h.logs("dropping camera image")) >= 3, image=None)
    errors = h.logs("dropping camera image", level=Log.ERROR)
    assert any("unsupported image encoding '32FC1'" in e for e in errors)
    assert any("empty image" in e for e in errors)
    assert any("image data has" in e for e in errors)
    assert not h.got["pose"] and not h.got["action"] and h.session.frame is None


def test_lab_camera_encodings_reach_the_session_as_rgb(harness):  # noqa: F811
    h = harness()
    rgb = frame(5)
    opencv = Image(**{**rgb_to_image_fields(rgb, "bgr8"), "encoding": "8UC3"})  # cv_bridge
    assert h.pump(3.0, until=lambda: h.session.frame is not None, image=opencv)
    np.testing.assert_array_equal(h.session.frame.value, rgb)
    red = bytes([81, 90, 81, 240]) * (rgb.shape[1] // 2) * rgb.shape[0]  # BT.601 red, YUYV
    yuyv = Image(height=rgb.shape[0], width=rgb.shape[1], encoding="yuv422_yuy2",
                 step=2 * rgb.shape[1], data=red)
    assert h.pump(3.0, until=lambda: h.session.frame.value[0, 0, 1] < 5, image=yuyv)
    assert np.abs(h.session.frame.value.astype(int) - [255, 0, 0]).max() <= 2


def test_nan_joint_states_send_nothing(harness):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    assert h.pump(3.0, until=lambda: h.session.goals is not None, joints=None)
    assert h.enable().success
    h.pump(1.5, joints=[float("nan")] + HOME[1:])
    assert not h.got["pose"] and not h.got["gripper"]
    assert h.pump(2.0, until=lambda: h.logs("unusable joint state", level=Log.ERROR),
                  joints=[float("nan")] + HOME[1:])
    # the newest diagnostics message may predate the first NaN state (its timer waited)
    assert h.pump(1.0, until=lambda: "NaN" in h.diagnostics()[1]["refusal"],
                  joints=[float("nan")] + HOME[1:]), h.diagnostics()


def test_unusual_joint_states_stream_and_an_arm_short_of_joints_holds_naming_its_topic(harness):  # noqa: F811
    """Valid but unusual layouts command; 6 arm joints hold, in one line naming the topic."""
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    assert h.enable().success
    # names reversed, extra joints before and after, velocity/effort of other lengths
    unusual = JointState(name=["head_pan"] + list(reversed(JOINTS)) + ["base_x"],
                         position=[0.3] + list(reversed(HOME + [0.04, 0.04])) + [7.0],
                         velocity=[0.0] * 3, effort=[1.0] * 12)
    h.extra = [(h.joint_pub, unusual)]
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= 5, joints=None), h.diagnostics()
    short = JointState(name=JOINTS[:6] + JOINTS[7:], position=HOME[:6] + [0.04, 0.04])
    h.extra = [(h.joint_pub, short)]
    assert h.pump(2.0, until=lambda: h.logs("lacks panda_joint7", level=Log.ERROR), joints=None)
    h.pump(0.5, joints=None)  # set-points sent before the hold have come in
    poses = len(h.got["pose"])
    h.pump(1.0, joints=None)
    assert len(h.got["pose"]) == poses, "set-points from a state short of panda_joint7"
    line = h.logs("lacks panda_joint7", level=Log.ERROR)[0]
    assert line.startswith("unusable joint state on /joint_states: ") and line.endswith(
        "(check the nodes publishing there: ros2 topic info -v /joint_states)"), line
    assert h.pump(1.0, until=lambda: "/joint_states" in h.diagnostics()[1]["refusal"],
                  joints=None), h.diagnostics()


class _MovingNaN:
    """Publishes a NaN joint state whose other joints move with each message (a moving arm)."""

    def __init__(self, publisher):
        self.publisher, self.count = publisher, 0

    def publish(self, msg):
        self.count += 1
        msg.position = [0.001 * self.count, math.nan] + list(HOME[2:]) + [0.04, 0.04]
        self.publisher.publish(msg)


def test_nan_joint_states_among_good_ones_are_one_hold_with_a_line_each_way(harness):  # noqa: F811
    """A second publisher of NaN joint states beside the robot's (the tester's nanjs.py)."""
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))
    assert h.pump(3.0, until=lambda: h.session.goals is not None)
    assert h.enable().success
    assert h.pump(8.0, until=lambda: h.got["pose"]), "commanding before the NaN states"
    nan = _MovingNaN(h.joint_pub)
    h.extra = [(nan, JointState(name=JOINTS))]
    h.pump(0.5)
    poses = len(h.got["pose"])
    h.pump(3.0)
    assert nan.count >= 20 and len(h.got["pose"]) == poses, "the hold set-point streamed on"
    assert len(h.logs("unusable joint state", level=Log.ERROR)) == 1, "one per 5 s, not per msg"
    assert not h.logs("valid again"), "not one per good message"
    h.extra = []
    valid = "robot state valid again for 1 s (was: unusable joint state"
    assert h.pump(4.0, until=lambda: len(h.got["pose"]) > poses and h.logs(valid)), \
        "streams again, and says so, once the states stayed valid for 1 s"
    h.pump(0.5)
    assert len(h.logs(valid)) == 1


def block_planning(h):
    """Make the node's next plan wait on an event; return (started, release) events."""
    started, release = threading.Event(), threading.Event()
    plan = h.session.planner.plan

    def slow_plan(*args, **kwargs):
        started.set()
        assert release.wait(30.0), "test never released the plan"
        return plan(*args, **kwargs)

    h.session.planner.plan = slow_plan
    return started, release


def test_services_and_parameters_answer_while_a_long_plan_runs(harness, tmp_path):  # noqa: F811
    h = harness()
    started, release = block_planning(h)
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    h.capture()
    assert h.pump(5.0, until=started.is_set), "planning did not start"
    try:
        assert h.session.planning
        assert h.enable().success
        assert h.capture().success
        path = save_image_file(tmp_path / "goal.png", frame(5))
        result = h.call(SetParameters, "/vjepa_planner/set_parameters", SetParameters.Request(
            parameters=[Parameter(name="goal_image_path", value=ParameterValue(
                type=ParameterType.PARAMETER_STRING, string_value=str(path)))]))
        assert result.results[0].successful
        seen = len(h.got["diag"])  # inputs and diagnostics flow on while the plan is blocked
        assert h.pump(5.0, until=lambda: len(h.got["diag"]) > seen), "no diagnostics in a plan"
        assert h.session.planning, "the plan finished early: the test proved nothing"
        assert h.session.goals.current.source == str(path)
    finally:
        release.set()
    assert h.pump(5.0, until=lambda: h.got["action"]), "the released plan never finished"


def test_shutdown_waits_for_a_running_plan_and_is_clean(harness):  # noqa: F811
    h = harness()
    started, release = block_planning(h)
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    h.capture()
    assert h.pump(5.0, until=started.is_set)
    done = threading.Event()
    closer = threading.Thread(target=lambda: (h.launch.shutdown(), done.set()))
    closer.start()
    time.sleep(0.3)
    assert not done.is_set(), "shutdown did not wait for the running plan"
    release.set()
    closer.join(20.0)
    assert done.is_set() and not closer.is_alive()
    threads = h.launch.executor.threads  # the launch's spinning threads, one per node
    assert threads and not any(thread.is_alive() for thread in threads)
    assert not h.launch.nodes


def test_goal_parameters_at_run_time(harness, tmp_path):  # noqa: F811
    h = harness()

    def set_params(**values):
        kinds = {str: (ParameterType.PARAMETER_STRING, "string_value"),
                 list: (ParameterType.PARAMETER_STRING_ARRAY, "string_array_value"),
                 int: (ParameterType.PARAMETER_INTEGER, "integer_value")}
        params = []
        for name, value in values.items():
            kind, field = kinds[type(value)]
            if isinstance(value, list) and value and isinstance(value[0], int):
                kind, field = ParameterType.PARAMETER_INTEGER_ARRAY, "integer_array_value"
            params.append(Parameter(name=name, value=ParameterValue(type=kind, **{field: value})))
        request = SetParameters.Request(parameters=params)
        return h.call(SetParameters, "/vjepa_planner/set_parameters", request).results

    missing = set_params(goal_image_path=str(tmp_path / "missing.png"))[0]
    assert not missing.successful and "not found" in missing.reason
    assert h.session.goals is None
    fixed = set_params(**{"planner.samples": 99})[0]
    assert not fixed.successful and "restart" in fixed.reason
    paths = [str(save_image_file(tmp_path / f"{i}.png", frame(i))) for i in range(3)]
    results = set_params(goal_image_paths=paths, goal_steps=[4, 10, 4])
    assert all(r.successful for r in results)
    assert [g.steps for g in h.session.goals.goals] == [4, 10, 4]
    assert h.session.goals.goals[2].source == paths[2]


def test_use_sim_time_measures_frame_age_on_the_sim_clock(harness):  # noqa: F811
    h = harness(use_sim_time=True)
    h.sim_time = 1000.0  # far from wall time: ages would be huge on the wall clock
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    h.capture()
    h.pump(1.0)
    assert h.pump(5.0, until=lambda: h.got["action"]), "no plan on sim time"
    image_age, state_age = h.session.ages(h.planner.now())
    assert abs(h.planner.now() - h.sim_time) < 1.0
    # The harness publishes /clock, then inputs stamped with it; the node may take an input before
    # that /clock message (separate subscriptions), so an age may be one tick (0.03 s) negative.
    assert -0.1 < image_age < 0.8 and -0.1 < state_age < 0.8


def test_compressed_images_and_debug_image(harness):  # noqa: F811
    import cv2

    h = harness(image_transport="compressed")
    debug = []
    h.node.create_subscription(Image, "/vjepa_planner/debug_image", debug.append, 1)
    ok, jpeg = cv2.imencode(".jpg", frame(3)[..., ::-1])
    compressed = CompressedImage(format="jpeg", data=jpeg.tobytes())
    assert h.pump(3.0, until=lambda: h.session.frame is not None, image=compressed)
    assert h.session.frame.value.shape == (48, 64, 3)
    assert h.capture().success
    assert h.pump(8.0, until=lambda: debug, image=compressed), "no debug image"
    assert (debug[0].width, debug[0].height, debug[0].encoding) == (3 * 224, 224, "rgb8")


def test_another_publisher_on_the_command_topic_is_reported(harness):  # noqa: F811
    h = harness()
    h.goal_pub.publish(Image(**rgb_to_image_fields(frame(99))))  # else WARN for "no goal"
    h.node.create_publisher(PoseStamped, "target_pose", 10)  # guiding the arm (capture route)
    assert h.pump(4.0, until=lambda: h.got["diag"] and h.diagnostics()[1][
        "other_command_publishers"])
    assert h.diagnostics()[1]["other_command_publishers"] == "/tester"
    assert h.pump(5.0, until=lambda: h.got["action"]), "shadow mode plans"
    assert h.pump(3.0, until=lambda: h.diagnostics()[0].level == b"\x00"), h.diagnostics()
    assert not h.logs("another node publishes on /target_pose"), "warned in shadow mode"
    answer = h.enable()
    assert "another node publishes on /target_pose: /tester" in answer.message, answer.message
    assert h.pump(2.0, until=lambda: h.logs("another node publishes on /target_pose",
                                            level=Log.WARN))
    h.pump(1.0)
    assert len(h.logs("another node publishes on /target_pose")) == 1


def pose_source_harness(harness, frame_id):  # noqa: F811
    """Start a planner on state_source pose, feed a current_pose in ``frame_id``, enable it."""
    h = harness(**{"robot.state_source": "pose"})
    h.current_pose = PoseStamped()
    h.current_pose.header.frame_id = frame_id
    p, q = h.current_pose.pose.position, h.current_pose.pose.orientation
    p.x, p.y, p.z = 0.45, 0.1, 0.35
    q.x, q.w = 1.0, 0.0  # pointing down
    assert h.pump(3.0, until=lambda: h.session.frame is not None)
    if frame_id in ("panda_link0", ""):
        assert h.capture().success
    else:  # the pose is refused, and so is a capture (with the pose's reason): a goal set anew
        answer = h.capture()
        assert not answer.success and f"'{frame_id}'" in answer.message, answer.message
        h.session.set_goals([SubGoal(h.session.frame.value.copy(), source="test goal")])
    assert h.enable().success
    return h


def test_state_from_a_current_pose_topic(harness):  # noqa: F811
    h = pose_source_harness(harness, "panda_link0")
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= 5)
    first = poses_of(h.got["pose"][:1])[0]
    assert np.linalg.norm(first[:3] - [0.45, 0.1, 0.35]) < 0.01, "set-point starts at current_pose"
    assert abs(abs(first[3]) - 1.0) < 1e-6
    assert h.session.latest_state().value[6] == 0.0  # fingers 0.04 + 0.04: open


def test_an_unexpected_callback_error_disables_commanding_and_the_node_lives_on(harness):  # noqa: F811
    h = harness()
    assert h.enable().success

    def broken():
        raise RuntimeError("boom")

    h.session.stream_step = broken
    assert h.pump(3.0, until=lambda: not h.session.enabled), "still enabled after the error"
    assert h.pump(2.0, until=lambda: h.logs("set-point stream failed, commanding disabled",
                                            level=Log.ERROR))
    assert h.capture().success, "the node stopped answering"


def test_current_pose_in_another_frame_is_refused_and_an_empty_frame_is_noted(harness):  # noqa: F811
    h = pose_source_harness(harness, "world")
    h.pump(2.0)
    assert not h.got["pose"] and h.session.latest_state() is None, "used a pose in 'world'"
    assert h.pump(2.0, until=lambda: "'world'" in h.diagnostics()[1]["refusal"])
    refusal = h.diagnostics()[1]["refusal"]
    assert "/current_pose" in refusal and "'panda_link0'" in refusal
    assert "robot.base_frame" in refusal
    assert len(h.logs("is in frame 'world'", level=Log.ERROR)) == 1
    assert int(h.diagnostics()[1]["frame_refusals"]) > 10
    h.current_pose.header.frame_id = ""  # no frame: taken as the base frame, said once
    assert h.pump(8.0, until=lambda: len(h.got["pose"]) >= 5)
    assert len(h.logs("empty header.frame_id")) == 1


def test_plan_report_says_what_became_of_every_plan(harness):  # noqa: F811
    h = harness()
    h.pump(1.0)
    assert h.pump(1.0, until=lambda: h.session.frame is not None)  # a frame to capture
    assert h.capture().success
    assert h.pump(5.0, until=lambda: len(h.got["report"]) >= 2), "shadow mode reports its plans"
    home = h.planner.kinematics.state(np.array(HOME), 0.0)
    shadow = [PlanRecord.from_json(m.data) for m in h.got["report"]]
    for record in shadow:
        assert (record.outcome, record.commanded, record.phase) == ("shadow", False, "shadow")
        assert record.stamp in h.image_stamps, "stamp: the planned camera frame's header stamp"
        np.testing.assert_allclose(record.start_state, home, atol=1e-9)
        assert len(record.first_action) == 7 and record.command is None
        assert record.mode == "continuous" and record.subgoal_index == 0
    assert h.enable().success
    assert h.pump(20.0, until=lambda: sum(PlanRecord.from_json(m.data).commanded
                                          for m in h.got["report"]) >= 3)
    records = [PlanRecord.from_json(m.data) for m in h.got["report"]]
    commanded = [r for r in records if r.commanded]
    assert all(r.outcome == "commanded" and r.refusal is None for r in commanded)
    assert {r.enable_epoch for r in commanded} == {shadow[0].enable_epoch + 1}
    assert [r.commands_sent for r in commanded] == list(range(1, len(commanded) + 1))
    assert all(BOX_MIN[0] <= r.command[0] <= BOX_MAX[0] for r in commanded)
    stamps = [r.stamp for r in records]
    assert stamps == sorted(stamps), "one report per plan, in planning order"
    assert h.enable(False).success
    last_plan = lambda: PlanRecord.from_json(h.got["report"][-1].data).detail  # noqa: E731
    assert h.pump(5.0, until=lambda: "shadow mode" in last_plan())
    assert h.pump(5.0, until=lambda: h.diagnostics()[1]["last_plan"] == last_plan()), \
        "/diagnostics last_plan is the newest report's detail"
