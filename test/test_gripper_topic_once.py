"""``gripper_command`` carries each gripper command once, however often its goal is resent.

With ``control.gripper_action`` set and no server answering yet, the session sends the same
closedness again (fix53g: at most once a second while not sent; 0.05 s then doubling after a
rejection); each resend went through the node's ``_send_gripper``, which published the topic
too: a subscriber to ``gripper_command`` (a topic-driven hand, a logger, a bag) saw the same
command once a second. Now a resend is ``gripper_output(closedness, resend=True)``: the goal alone.
"""

import types

import pytest
from hand_rigs import FrankaHand, HandRig, warnings
from test_breaker45e import _outputs, _Publisher


@pytest.fixture(scope="module")
def model():
    from test_robot_mpc import tiny_world_model

    return tiny_world_model()


def test_a_resend_sends_the_goal_alone():
    """The node's output: a command publishes and sends; a resend of it only sends."""
    goals = []
    node, _ = _outputs(gripper_pub=_Publisher())
    node.gripper_action = types.SimpleNamespace(send=goals.append)
    node._send_gripper(0.75)
    node._send_gripper(0.75, resend=True)
    node._send_gripper(0.75, resend=True)
    assert [m.data for m in node.gripper_pub.sent] == [0.75] and goals == [0.75] * 3
    node._send_gripper(0.0)  # the next command: published
    assert [m.data for m in node.gripper_pub.sent] == [0.75, 0.0]


@pytest.mark.parametrize("outage", ["no server", "rejected"])
def test_a_subscriber_sees_one_message_while_the_goal_is_retried(model, outage):
    """The session through the node's output, the hand's server away (or rejecting) 2.5 s.

    The close (closedness 1.0) is tried again and again (a goal each time), yet
    ``gripper_command`` carries it once; once the server answers, the hand closes.
    """
    hand = FrankaHand(up=outage != "no server", reject=outage == "rejected")
    rig = HandRig(model, hand)
    node, _ = _outputs(gripper_pub=_Publisher())
    node.gripper_action = rig.goals
    tries = []
    send = rig.goals.send
    rig.goals.send = lambda closedness: tries.append(closedness) or send(closedness)
    rig.session.gripper_output = node._send_gripper  # as PlannerNode.__init__ sets it
    rig.run(2.5)
    assert len(tries) >= 3, f"setup: the close was retried ({tries})"
    assert [m.data for m in node.gripper_pub.sent] == [1.0]
    hand.up, hand.reject = True, False
    for _ in range(60):  # the next resend (after a rejection: up to 3.2 s on), then the close
        rig.run(0.1)
        if hand.width == pytest.approx(0.0):
            break
    assert hand.width == pytest.approx(0.0), warnings(rig.logs_goals)
    assert [m.data for m in node.gripper_pub.sent] == [1.0]
