"""Inputs a bag player published, round 3 (breaker 28d): what the round-2 rules keep.

Each test is a strict xfail while the session still does what its comment names.
"""

import pytest
from test_recorded_inputs import BAG
from test_robot_mpc import make_session, tiny_world_model

pytestmark = pytest.mark.usefixtures("one_thread")


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


@pytest.mark.xfail(strict=True, reason="breaker28d: _voided_by keeps one entry per player "
                   "start for the life of the node")
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
    assert len(session._voided_by) <= 10, len(session._voided_by)
