"""Inputs a bag player published, round 3 (breaker 28d): what the round-2 rules keep.

Each test was first a strict xfail while the session did what its comment names.
"""

import pytest
from test_recorded_inputs import BAG
from test_robot_mpc import START, frame, make_session, tiny_world_model

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_what_voided_the_plans_is_not_kept_for_every_player_start(model):
    # A bag played in a loop by a script (ros2 bag play in a shell loop, each run a new
    # player) or a flapping graph view: each start bumps enable_epoch and stores
    # _voided_by[epoch] = "inputs from a bag player"; nothing ever removes an entry, so a
    # node up for days keeps one per start. Only the entry after a running plan's epoch is
    # read (MPCSession._void_reason). Expected: bounded (the entries no plan can still ask for
    # dropped), here at most a handful after 2000 starts.
    session, _, _ = make_session(model, "continuous")
    for _ in range(2000):
        session.set_recorded_inputs(BAG)
        session.set_recorded_inputs("")
    assert session.enable_epoch == 2000
    assert session._voided_by == (2000, "inputs from a bag player"), "the newest bump alone"


def test_shadow_planning_goes_on_when_a_looping_bag_starts_again(model):
    # README 'Replay through ROS': bag_player with loop:=true (or ros2 bag play --loop) and
    # use_sim_time, shadow mode. At the end of each pass the bag's /clock and stamps go back to
    # its start. MPCSession.plan_step plans only on a frame stamped after the last planned one
    # (last_planned_stamp), so from the second pass on nothing is planned: measured with this
    # package's bag_player (6-frame sim bag, 20 s): 6 actions in the first 4 s, none in the 16 s
    # after, while 336 messages were played (the same before 2411155: not the round-2 rules).
    # The input buffer already treats a stamp going back as a new start (observe_state drops
    # its history). Expected: shadow planning goes on in every pass.
    session, clock, _ = make_session(model, "blocking")
    session.observe_image(frame(0), clock.now)
    session.observe_state(START, clock.now)
    session.capture_goal()
    for step in range(3):  # the first pass
        clock.now += 0.1
        session.observe_image(frame(step + 1), clock.now)
        session.observe_state(START, clock.now)
        assert session.plan_step() is not None
    clock.now -= 0.5  # the bag starts again: its /clock back at its start
    session.observe_image(frame(9), clock.now)
    session.observe_state(START, clock.now)
    assert session.plan_step() is not None, "no plan in the bag's second pass"
