"""The planner node's ``/diagnostics`` level and message from its parts, without ROS.

``robot.diagnostics.node_status`` folds the node's own ``~/enable`` refusals (a twin planner, a
``robot.base_frame`` naming another arm's link0), silent inputs and withheld commands into the
session's status: the level, the message, ``refusal`` and ``refusal_kind``.
"""

from __future__ import annotations

from vjepa_ros.robot.diagnostics import ERROR, OK, WARN, node_status
from vjepa_ros.robot.refusal import RefusalKind

TWIN = "another node named /vjepa_planner publishes on /target_pose"
BASE = "robot.base_frame fr3_link0 names another arm's link0 than the joint states'"
BOTH = [(RefusalKind.TWIN_PLANNER, TWIN), (RefusalKind.BASE_FRAME, BASE)]


def _session(level=OK, message="shadow mode (not enabled)", refusal="", kind=""):
    return {"level": level, "message": message,
            "values": {"refusal": refusal, "refusal_kind": kind, "state": "idle"}}


def test_nothing_of_the_node_keeps_the_session_status():
    session = _session()
    assert node_status(session, []) == session


def test_both_node_refusals_are_an_error_named_by_the_first():
    status = node_status(_session(), BOTH)
    assert status["level"] == ERROR
    assert status["values"]["refusal"] == status["message"] == f"{TWIN}; {BASE}"
    assert status["values"]["refusal_kind"] == "twin_planner"
    assert status["values"]["state"] == "idle"


def test_a_session_warning_follows_the_node_refusal_and_yields_its_kind():
    status = node_status(_session(WARN, "no goal image", "no goal image", "no_goal"),
                         BOTH[1:])
    assert status["level"] == ERROR
    assert status["values"]["refusal"] == f"{BASE}; no goal image"
    assert status["values"]["refusal_kind"] == "base_frame"
    assert status["message"] == BASE


def test_a_session_error_keeps_its_kind_and_words_first():
    status = node_status(_session(ERROR, "planning failed", "planning failed", "planner_error"),
                         BOTH[:1])
    assert status["level"] == ERROR
    assert status["values"]["refusal"] == f"planning failed; {TWIN}"
    assert status["values"]["refusal_kind"] == "planner_error"
    assert status["message"] == f"planning failed; {TWIN}"


def test_silent_inputs_warn_and_say_so_without_a_refusal():
    silent = "no camera image on /image for 5.0 s"
    status = node_status(_session(), [], silent=silent, warn=True)
    assert (status["level"], status["message"]) == (WARN, silent)
    assert node_status(_session(), BOTH[:1], silent=silent, warn=True)["message"] == TWIN


def test_another_publisher_warns_with_the_session_message():
    status = node_status(_session(message="commanding"), [], warn=True)
    assert (status["level"], status["message"]) == (WARN, "commanding")


def test_withheld_commands_warn_and_follow_the_message():
    line = "gripper commands withheld: no recent finger joint state"
    status = node_status(_session(message="commanding"), [], withheld=[line])
    assert (status["level"], status["message"]) == (WARN, f"commanding; {line}")
    refused = node_status(_session(message="commanding"), BOTH[1:], withheld=[line])
    assert (refused["level"], refused["message"]) == (ERROR, f"{BASE}; {line}")


def test_the_session_status_is_left_unchanged():
    session = _session(WARN, "no goal image", "no goal image", "no_goal")
    node_status(session, BOTH, withheld=["x"])
    assert session == _session(WARN, "no goal image", "no goal image", "no_goal")
