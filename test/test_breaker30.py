"""breaker30: session 30's input checks (Humble/Iron counts, relays, refusal log), tried to break.

Each test was a strict xfail on main (8a76573, 82beae2), failing there, unmarked with its fix
(session 30). Found:

* Without publisher ids (Humble, Iron) the arm-state check counts every publisher the graph
  lists on the arm's topic. A node that publishes only finger joints there (franka_ros' split
  layout, which the README says is "counted apart") or only other joints (a mobile base, a
  second robot's driver: "never a hold") holds the arm for as long as it runs, "arm joint states
  come from 2 publishers". With ids those messages never reach the arm's count.
* A bag player seen while enabled marked the stale-inputs refusal as said (``said_now``, since
  replaced by skipping only the line already logged, ``MPCSession._recorded_said``); a
  camera crowd that starts with it (the player's frames on the live camera topic) then has its
  start line swallowed, but its end ("camera frames ... usable again (was: ... 2 publishers
  ...)") is still logged: an end line for an episode never said to begin.
* A stale camera soon (``RELAPSE_S``) after a bag player's hold shares its refusal kind and is
  never logged for the whole episode (pre-existing: also before ``said_now``).
* ``config/planner.yaml`` tells to set ``safety.not_relays`` with ``ros2 param set``; the node
  refuses that (read at start only).
"""

import re
from pathlib import Path

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from sensor_msgs.msg import JointState  # noqa: E402
from test_recorded_inputs import BAG  # noqa: E402
from test_robot_mpc import START, enabled_session, frame, tiny_world_model  # noqa: E402
from test_ros_planner_node import HOME, checkpoint, harness  # noqa: E402, F401

from vjepa_ros.nodes import publisher_ids  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
ARM = [f"panda_joint{i}" for i in range(1, 8)]


@pytest.fixture
def no_ids(monkeypatch):
    monkeypatch.setattr(publisher_ids, "gives_publisher_ids", lambda: False)


def _rejected_states(h) -> list[str]:
    """Record every robot state the planner node refuses (``_reject_state``), as it happens."""
    seen, reject = [], h.planner._reject_state

    def record(what, topic, problem):
        seen.append(str(problem))
        reject(what, topic, problem)

    h.planner._reject_state = record
    return seen


@pytest.mark.parametrize("node_name, names, position", [
    ("franka_gripper", ["panda_finger_joint1", "panda_finger_joint2"], [0.02, 0.02]),  # split
    ("base_driver", ["wheel_left_joint", "wheel_right_joint"], [0.0, 0.0]),  # foreign joints
])
def test_without_ids_another_node_of_other_joints_on_the_arms_topic_holds_nothing(
        harness, no_ids, node_name, names, position):  # noqa: F811
    # franka_ros' split layout (arm and fingers as separate messages from two nodes on
    # /joint_states; README: "counted apart"), or a mobile base's driver on the shared
    # /joint_states (README: messages about neither this arm nor its hand are "never a hold").
    # With publisher ids neither reaches the arm's publisher window; on Humble/Iron the graph's
    # count of /joint_states (2) refused every arm message for as long as the other node ran.
    h = harness()
    assert not h.planner.sources.ids_given
    h.extra = [(h.joint_pub, JointState(name=ARM, position=HOME))]
    assert h.pump(5.0, until=lambda: h.session.frame is not None, joints=None)
    assert h.capture().success and h.enable().success
    assert h.pump(20.0, until=lambda: h.session.commands_sent >= 3, joints=None)
    rejected = _rejected_states(h)
    other = rclpy.create_node(node_name, context=h.context)
    try:
        h.extra.append((other.create_publisher(JointState, "/joint_states", 10),
                        JointState(name=names, position=position)))
        sets = h.planner.sources.publisher_sets
        # the count the check takes is 2 and both are named: the next arm message is judged
        assert h.pump(5.0, until=lambda: sets.count("/joint_states") >= 2
                      and sets.held("/joint_states", 0.0) is None, joints=None)
        states = h.session.inputs.states_received
        # main refuses every arm message from here on; a fix may refuse one arm message that
        # comes before the other node's first (not the defect): 3 refusals are
        assert h.pump(5.0, until=lambda: len(rejected) >= 3
                      or h.session.inputs.states_received >= states + 5, joints=None)
        assert len(rejected) < 3, rejected[0]
    finally:
        h.extra = h.extra[:1]
        other.destroy_node()


CROWD = ("camera images on /cam come from 2 publishers within 1 s (a bag played onto the live "
         "topic, or a second driver?): which is this camera's view is unknown; stop the other "
         "publisher")


def test_a_camera_crowd_beside_a_bag_players_hold_is_said_at_both_ends_or_at_neither():
    # A bag played onto the live camera topic while enabled (rclpy with ids): its first frame
    # makes the node see the player (set_recorded_inputs: "not commanding: ... bag player",
    # RefusalLog.said_now) and then two publishers on the camera topic (observe_image refused).
    # Before c03f40d the crowd's start was logged ("camera frame refused, holding ...") and
    # its end; now only the end comes, naming a crowd the log never mentioned.
    session, clock, logs = enabled_session(tiny_world_model())
    assert session.plan_step().command is not None
    clock.now += 0.05
    session.set_recorded_inputs(BAG)
    session.observe_image(frame(1), clock.now, CROWD)
    session.observe_state(START, clock.now)
    session.plan_step()
    session.set_recorded_inputs("")  # the player stopped
    for i in range(40):  # the live camera alone: the crowd ends after RECOVERY_S
        clock.now += 0.05
        session.observe_image(frame(2 + i), clock.now, CROWD if i < 10 else "")
        session.observe_state(START, clock.now)
        session.stream_step()
    lines = [message for _, message in logs]
    started = any("camera frame refused" in line for line in lines)
    ended = any("usable again" in line and "2 publishers" in line for line in lines)
    assert started == ended, lines[2:]


def test_the_shipped_file_does_not_advise_a_run_time_set_of_not_relays():
    from vjepa_ros.nodes.planner_node import GOAL_PARAMETERS

    assert "safety.not_relays" not in GOAL_PARAMETERS, "read at start only: refused at run time"
    text = (ROOT / "config" / "planner.yaml").read_text()
    (line,) = re.findall(r"^\s*# not_relays:.*$", text, re.M)
    assert "ros2 param set" not in line, line


def test_a_camera_that_dies_after_a_bag_players_hold_is_logged():
    # The relapse rule keeps a flapping refusal (stale, fine, stale ...) to one line; it keys by
    # kind, and a bag player's hold is a stale-inputs refusal too. A camera (and arm) that go
    # silent 3 s after the player's hold ended were refused as stale without a line, and, the
    # kind being active from then on, never logged for the whole episode (diagnostics only).
    # Also so on 511d616 (before said_now): the plan's refusal of the player set the time.
    session, clock, logs = enabled_session(tiny_world_model())
    session.plan_step()
    clock.now += 0.05
    session.set_recorded_inputs(BAG)
    session.observe_image(frame(1), clock.now)
    session.observe_state(START, clock.now)
    session.plan_step()
    session.set_recorded_inputs("")
    for i in range(10):  # live inputs replace the recording's: commanding resumes
        clock.now += 0.05
        session.observe_image(frame(2 + i), clock.now)
        session.observe_state(START, clock.now)
        session.stream_step()
        session.plan_step()
    assert any("fine again" in message for _, message in logs)
    fine = len(logs)
    for step in range(30):  # the camera and the arm went silent; 3 s on, then 15 s more
        clock.now += 3.0 if step == 0 else 0.5
        session.plan_step()
        session.stream_step()
    assert session.snapshot().refusal.kind.value == "stale_inputs"
    assert any(level == "warning" and "stale" in message for level, message in logs[fine:]), \
        logs[fine:]
