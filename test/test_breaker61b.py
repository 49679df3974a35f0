"""breaker61b: launching — launch files, parameter files, the camera node, the live camera check.

Attacked at 9f7b220d (branch breaker61b = main): what a roboticist does bringing the package up on
a lab machine. Each defect is a strict xfail until fixed.

Defects (ranked by what a user loses):

1. ``ros2 run vjepa_ros camera_node --ros-args --params-file cam.yaml`` with a section
   ``camera:`` (the node's name, as README says the ROS name of ``camera_node`` is ``camera``)
   is accepted by the node's pre-rclpy check, but rcl applies it to no node: the camera node runs
   as ``/camera/camera`` (its default namespace, ``CameraNode.__init__``), and rcl reads a
   section name without ``/`` as ``/camera``. The node starts on its defaults without a word
   (``serial`` empty opens whatever RealSense is there; ``width``/``height`` 640x480). The check
   (``ros_args.node_name``) takes the node's namespace as ``/`` when no ``-r __ns:=`` is given.
2. The same node refuses (exit status 2) a file whose section is the node's real name,
   ``/camera/camera:`` (what ``ros2 node list`` shows and what realsense2_camera users write),
   or ``camera/camera:``, with a misleading line: ``section '/camera/camera' applies to no node
   started here (camera); closest: 'camera' — fix the name or use '/**'`` — it steers the user to
   ``camera:``, the section rcl drops (#1). rcl applies both spellings to the node.
3. ``vjepa-ros launch --checkpoint ... --params-file lab.yaml`` where lab.yaml holds the planner's
   section and one for the camera under its real name, ``/camera/camera:`` (one file for several
   nodes, which README says is ignored for another node of this package with one ``note:``
   line), exits 2: ``section '/camera/camera' applies to no node launch gives this file to
   (vjepa_planner); closest: 'vjepa_planner'``. ``param_sections.other_package_nodes`` matches
   each package node as ``/<ros_name>`` (``/camera``), not where it runs. (#1-#3: one cause, the
   camera node's default namespace ``/camera`` unknown to the parameter-file checks.)
4. ``vjepa-ros planner camera-check`` (``~/camera_check``) on a planner whose robot state does not
   arrive (a remapped or silent joint-states / current_pose topic) answers only ``~/camera_check
   refused: no robot state received yet`` (the camera alike: ``no camera image received yet``),
   naming no topic and nothing to do, where ``~/capture_goal`` on the same node says ``no robot
   state received yet; check the joint states (/joint_states), then call it again``. The brief's
   rule for bad input: one line naming the topic and what to do (``MPCSession.start_camera_check``
   takes ``_input_refusal(now).detail``, the short form).
5. A camera that freezes while the planner commands (a hung driver or republisher sending its
   last image again with fresh stamps: what ``image_publisher`` as a stand-in camera does, and
   what the capture services and the live camera check refuse as "the camera is frozen") is
   planned on step after step: the planner keeps commanding while the arm moves and the picture
   does not change, so the arm is driven blind past the goal toward the workspace box edge. The
   frozen-camera rule (``robot/capture_pictures.py``: the same picture while the hand moved
   1 cm or more) guards ``~/capture_goal``, ``~/add_subgoal`` and ``~/camera_check`` only.
6. ``~/camera_check`` with ``camera_check.output_dir`` empty (the default) and ``ROS_HOME`` set
   but empty (``export ROS_HOME=``, a container's ``ENV ROS_HOME=""``) writes its files into
   ``./camera_check`` under the planner's working directory, not ``~/.ros/camera_check``: ROS
   (rcl_logging_interface's log folder) reads an empty ``ROS_HOME`` as unset, ``~/.ros``;
   ``camera_check_service.output_dir`` takes ``os.environ.get("ROS_HOME", "~/.ros")``.
"""

from __future__ import annotations

import pytest

pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")

from vjepa_ros.nodes import camera_node  # noqa: E402
from vjepa_ros.robot import camera as robot_camera  # noqa: E402


def _start_camera_node(monkeypatch, tmp_path, section: str):
    """Run camera_node's main on a params file with ``section``; return (status, its config).

    The config is the one the node opened the camera with, None when it opened none.

    The RealSense is a stand-in that records the config the node opened it with, then ends the
    start as a missing device does (CameraError: exit status 1).
    """
    opened = []

    def open_device(self, config, rs=None):
        opened.append(config)
        raise robot_camera.CameraError("no RealSense device connected (test stand-in)")

    monkeypatch.setattr(robot_camera.RealSenseColor, "__init__", open_device)
    path = tmp_path / "cam.yaml"
    path.write_text(f"{section}:\n  ros__parameters:\n    width: 1280\n    height: 720\n")
    status = camera_node.main(args=["camera_node", "--ros-args", "--params-file", str(path)])
    return status, (opened[0] if opened else None)


def test_camera_section_that_rcl_drops_is_refused(monkeypatch, tmp_path, capsys):
    """The user writes ``camera: ros__parameters: {width: 1280, height: 720}`` for camera_node.

    What happens: the check passes it, rcl gives the node none of it, and the camera opens at
    640x480 (the defaults), with no line. What should happen: refused before rclpy starts (exit
    status 2), naming the section and the node's name ``/camera/camera``, as every other section
    that applies to no node is refused.
    """
    status, opened = _start_camera_node(monkeypatch, tmp_path, "camera")
    err = capsys.readouterr().err
    assert opened is None or (opened.width, opened.height) == (1280, 720), (
        f"the camera opened at {opened.width}x{opened.height}: the file's 1280x720 was dropped "
        f"without a word (status {status}; {err.strip()})")
    assert status == 2 and "camera" in err


@pytest.mark.parametrize("section", ["/camera/camera", "camera/camera"])
def test_camera_section_of_the_nodes_real_name_is_applied(monkeypatch, tmp_path, capsys,
                                                          section):
    """The user writes the section as the node's name from ``ros2 node list``: ``/camera/camera:``.

    What happens: exit status 2, ``section '/camera/camera' applies to no node started here
    (camera); closest: 'camera'`` — the advice leads to a section rcl drops (#1). What should
    happen: rcl applies it to the node, so the node opens the camera at the file's 1280x720.
    """
    status, opened = _start_camera_node(monkeypatch, tmp_path, section)
    err = capsys.readouterr().err
    assert "applies to no node" not in err, err.strip()
    assert opened is not None and (opened.width, opened.height) == (1280, 720), (status, err)


def _planner_and_camera_file(tmp_path, camera_section: str):
    path = tmp_path / "lab.yaml"
    path.write_text("/**:\n  ros__parameters:\n    planner:\n      samples: 64\n"
                    f"{camera_section}:\n  ros__parameters:\n    width: 1280\n")
    return path


def test_launch_ignores_a_section_for_the_camera_node_under_its_real_name(tmp_path):
    """The user keeps one lab.yaml for planner and camera, the camera's as ``/camera/camera:``.

    What happens: ``vjepa-ros launch --params-file lab.yaml`` exits 2 calling the section a
    misspelling of ``vjepa_planner``. What should happen: as for ``sim_node:`` or ``camera:``
    (checked here: noted and ignored), one ``note:`` line and the planner starts, since rcl
    ignores that section for the planner. Checked with the check ``vjepa-ros launch`` runs
    (``params_file.check_params_file`` with the nodes ``launch_inputs`` gives it).
    """
    from vjepa_ros.nodes.params_file import check_params_file

    said = []
    kwargs = dict(nodes=["/vjepa_planner"], nodes_are="launch gives this file to",
                  alongside=[], registry="planner", say=said.append)
    check_params_file(_planner_and_camera_file(tmp_path, "camera"), **kwargs)  # the bare name
    assert said and "note:" in said[0], said
    said.clear()
    check_params_file(_planner_and_camera_file(tmp_path, "/camera/camera"), **kwargs)
    assert said and "note:" in said[0] and "camera" in said[0], said


def test_camera_check_refusal_for_a_missing_state_names_the_topic(monkeypatch, tmp_path):
    """The user enables and calls ~/camera_check; frames come, the arm's state never does.

    What happens: ``~/camera_check refused: no robot state received yet`` — which topic the
    planner listens on (here ``current_pose``, ``robot.state_source: pose``) is not said, so a
    topic remapped wrong on a lab machine is not found from the answer. What should happen: the
    refusal names the topic, as ``~/capture_goal``'s refusal on the same node does.
    """
    from std_srvs.srv import Trigger
    from test_ros_camera_check import make_arm
    from test_ros_planner_node import WAIT_SLACK, frame

    from vjepa_ros.images import rgb_to_image_fields

    h = make_arm(monkeypatch, tmp_path)
    h.current_pose = None  # no robot state at all
    try:
        from sensor_msgs.msg import Image

        def frames_until(done, seconds=10.0):
            import time
            deadline = time.monotonic() + seconds * WAIT_SLACK
            while time.monotonic() < deadline and not done():
                h.seed += 1
                h.publish(image=Image(**rgb_to_image_fields(frame(h.seed))), joints=None)
                h.executor.spin_once(timeout_sec=0.03)
            return done()

        assert frames_until(lambda: h.session.frame is not None)
        assert h.enable().success
        client = h.node.create_client(Trigger, "/vjepa_planner/camera_check")
        assert client.wait_for_service(timeout_sec=10 * WAIT_SLACK)
        answer = client.call_async(Trigger.Request())
        assert frames_until(answer.done)
        check = answer.result()
        capture = h.capture()
        assert not check.success and "no robot state" in check.message, check.message
        assert "current_pose" in capture.message, capture.message  # capture_goal names it
        assert "current_pose" in check.message, (
            f"camera_check: {check.message!r}; capture_goal: {capture.message!r}")
    finally:
        h.close()


def test_a_frozen_camera_stops_commanding_once_the_arm_moved(monkeypatch, tmp_path):
    """The user enables the planner toward a goal 10 cm away; the camera then repeats one image.

    The world model (the test's oracle) reads the arm's pose from the picture, so a frozen picture
    says "still at the start" after every step. What happens: every plan starts from the start's
    picture and commands another step in the same direction; the ideal arm follows past the goal
    (measured: 20 cm from the start within ~3 s, the goal 10 cm away, continuous control; with
    make_arm's 90°-rotated oracle it was driven to the box edge, y 0.45, 40 cm). What should
    happen: as the capture services and the live check do, a frame that repeats the picture
    taken before the arm moved 1 cm or more is held on (no further set-point from it), so the
    arm stops within one step of where the camera last saw it.
    """
    import math
    import time

    from geometry_msgs.msg import PoseStamped
    from sensor_msgs.msg import Image
    from test_ros_camera_check import START
    from test_ros_planner_node import WAIT_SLACK, Harness, frame

    from vjepa_ros.images import rgb_to_image_fields
    from vjepa_ros.nodes.planner_node import PlannerNode
    from vjepa_ros.nodes.pose_msgs import state_from_pose
    from vjepa_ros.sim.oracle import OracleWorldModel

    oracle = OracleWorldModel()  # an exact world model: it reads the pose each picture shows
    monkeypatch.setattr(PlannerNode, "_load_model", lambda self: oracle)
    h = Harness("oracle (test stand-in)", **{
        "robot.state_source": "pose", "planner.samples": 64, "planner.topk": 8,
        "planner.iterations": 4, "planner.maxnorm": 0.075})
    h.current_pose = PoseStamped()
    h.current_pose.header.frame_id = "panda_link0"
    h.current_pose.pose.position.x, h.current_pose.pose.position.y, \
        h.current_pose.pose.position.z = START
    h.current_pose.pose.orientation.x, h.current_pose.pose.orientation.w = 1.0, 0.0  # down
    h.oracle = oracle
    try:
        seen, goal = frame(1001), frame(1002)
        h.oracle.remember(seen, state_from_pose(h.current_pose.pose, 0.0))
        goal_pose = type(h.current_pose.pose)()
        goal_pose.position.x, goal_pose.position.y, goal_pose.position.z = \
            START[0] + 0.10, START[1], START[2]
        goal_pose.orientation = h.current_pose.pose.orientation
        h.oracle.remember(goal, state_from_pose(goal_pose, 0.0))
        frozen = Image(**rgb_to_image_fields(seen))
        furthest = [0.0]

        def run(until, seconds):
            deadline = time.monotonic() + seconds * WAIT_SLACK
            while time.monotonic() < deadline and not until():
                if h.got["pose"]:  # the ideal arm follows the newest set-point
                    h.current_pose.pose = h.got["pose"][-1].pose
                at = h.current_pose.pose.position
                furthest[0] = max(furthest[0], math.dist((at.x, at.y, at.z), START))
                h.publish(image=frozen, joints=None)
                h.executor.spin_once(timeout_sec=0.03)
            return until()

        assert run(lambda: h.session.frame is not None, 10)
        h.goal_pub.publish(Image(**rgb_to_image_fields(goal)))
        assert run(lambda: h.session.goals is not None, 10), "the goal was not taken"
        assert h.enable().success
        run(lambda: furthest[0] > 0.2, 4)  # the frames never change from here on
        assert furthest[0] < 0.13, (
            f"the arm was driven {furthest[0] * 100:.1f} cm from where the camera last saw it "
            "(goal 10 cm away) while every frame repeated that picture")
    finally:
        h.close()


def test_an_empty_ros_home_is_read_as_unset(monkeypatch, tmp_path):
    """The user's environment has ``ROS_HOME=`` (empty); the check runs with no output_dir.

    What happens: the folder is ``camera_check`` relative to the node's working directory.
    What should happen: ``~/.ros/camera_check``, as ROS reads an empty ``ROS_HOME`` (unset).
    """
    from pathlib import Path

    from vjepa_ros.nodes.camera_check_service import output_dir

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("ROS_HOME", "")
    assert output_dir("") == Path(tmp_path) / ".ros" / "camera_check", output_dir("")
