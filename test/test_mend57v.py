"""mend57v: leftovers of session 57's rounds.

1. The wait for a moving hand (``planning_session._hand_moving``) counts from the gripper
   command (sent or resent) in streamed ticks, as fix57d's arrival rule: a stalled node or a
   wall clock stepped forward is no time the hand had to close.
"""

import pytest
from test_breaker51k import HandRig
from test_robot_mpc import frame, tiny_world_model

CARRY = [0.03, 0, 0, 0, 0, 0, 0]


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.parametrize("mode", ["blocking", "async"])
@pytest.mark.parametrize("jump", [12.0, 300.0])
def test_a_node_clock_jump_mid_close_is_no_time_for_the_hand(model, mode, jump):
    """A hand closing at 0.5/s (2 s), the node clock jumps ``jump`` s when it is at ~0.25.

    Before mend57v the next plan came on the first frame after the jump (the node clock past
    ``arrival_timeout_s`` 10 s since the command), from the hand at ~0.3, and its gripper
    command stopped the close there. Now the plan waits for the hand to finish its close.
    """
    rig = HandRig(model, mode, [[0.03, 0, 0, 0, 0, 0, 1.0], CARRY], hand_rate=0.5,
                  async_blend_m=0.0)
    rig.session.stream_clock = rig.clock.steady
    assert rig.session.plan_step().gripper_command == 1.0
    rig.run(50)
    assert 0.2 < rig.arm[6] < 0.3 and len(rig.sent) == 1
    rig.clock.now += jump
    rig.session.observe_state(rig.arm.copy(), rig.clock.now)
    rig.session.observe_image(frame(999), rig.clock.now)
    rig.next_frame = rig.clock.now + 0.1
    rig.run(300)
    commands = [r.gripper_command for _, r in rig.sent if r.gripper_command is not None]
    assert len(rig.sent) >= 2, [r.reason for r in rig.reports[-3:]]
    assert commands == [1.0] and rig.arm[6] > 0.95, (commands, rig.arm[6])
    assert all(r.start[6] > 0.85 for _, r in rig.sent[1:]), [r.start[6] for _, r in rig.sent]
