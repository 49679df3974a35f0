"""breaker46g: commit 1e220ff1 (arrival latched per command; the resume's restart rule).

Attacked at main's HEAD edb67f7 (1e220ff1, c111d6ca): ``robot/stream_session.py``
(``_arm_arrived`` latching ``_arm_arrival_seen`` per command, reset in
``command_session._command`` and on a new world; ``_last_seen_pose`` and
``_restart_if_moved``). ROS-free, CPU, the hand-driven clock and tiny world model of
``test_robot_mpc``; the arms of ``test_breaker43h.Rig`` (set-point + ``push``) and
``test_breaker46a`` (trailing / sagging).

Held up (pinned): an arm pushed by hand while the camera stalls, while the robot STATES stop
(the camera fine: the reference is the last state before the outage), or turned only
(0.2 rad about z) restarts the set-point at the measured pose; a push within the tolerance
does not, nor do three 8 mm pushes in three dropouts (the set-point never moves: nothing is
stepped by the stream); the latch is reset by a new command (a camera dropout in the middle
of a second list's trailing move still cuts it and reopens its sub-goal after the first
list's command arrived and ``~/clear_goals`` / ``set_goals`` came between); it survives an
enable cycle with a sag in shadow mode (no command went out: no warning, no reopen); a
timeout-latched command cuts nothing at a later hold.

Judged, not filed: the latch's other resets hold (a new world resets it and deactivates the
stream; a kept-world clock step shifts ``command_time`` with it, as the timeout needs);
a hold's restart or ``hold()`` changes the streamer's target without a command, but a
latched command was arrived and an unlatched one was cut (reopened) by that hold, so no user
reads a latch for the wrong target; async's prepared plan N+1 reads N's arrival only to go
out, and its command resets the latch. Continuous's gripper wait asks on every frame, so
the hand changes at the first frame with the arm within tolerance; an arm latched arrived
(by a hold) that then sags before the next plan opens the hand off the place: the commit's
definition ("arrived, then sagged"). ``camera_check_session._end_camera_check`` still
restarts at any arm farther than the tolerance (a sagging arm can run no check anyway: its
moves never arrive).

Defects (fixed: a hold on the states restarts on the distance alone; the camera's reference
is the earlier of the newest frame's stamp and arrival), both of ``_last_seen_pose`` (the
state nearest the newest frame's stamp before the hold) as the reference of the restart rule:
1. also for a hold on the robot STATES (a driver restarting: its controller comes back at
   the arm's pose): an arm pushed (guided by hand, or left behind by a faulted controller)
   4 cm off its set-point while both inputs were still fine, then a state outage (stopped or
   NaN): the arm did not move "since the newest frame", so the set-point 4 cm away streams
   on to the restarted controller (a 4 cm step in one tick); at the commit's parent it
   restarted at the measured pose, as README's resume rule ("states stopped or NaN: a driver
   restarted") was written for.
2. by the frame's STAMP, not its arrival: a camera whose stamps run 0.4 s ahead (accepted:
   within ``safety.max_image_age_s`` both ways) puts the reference 0.4 s after the last frame
   came, so breaker43h's push during a camera stall (4 cm over 0.4 s) is inside the reference
   and is not restarted: the set-point pulls the arm back 4 cm in one tick (honest stamps:
   restarted, pinned).
"""

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from session_rig import DT, Rig, _rig, _said, _step, pushed_during_camera_dropout
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import SubGoal
from vjepa_ros.robot.phase import Phase

MOVED = "moved meanwhile"


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def _finished(model, rig_class=Rig):
    """Return a 43h ``Rig`` whose only (one-step) sub-goal arrived: the finished hold, at rest."""
    rig = rig_class(model, "blocking", goals=[SubGoal(frame(7), 1, "only")])
    assert rig.session.plan_step().command is not None
    for _ in range(250):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.phase is Phase.HOLDING and rig.session.streamer.arrived()
    rig.base = rig.session.latest_state().value.copy()
    return rig


def _gap(rig):
    """[m] between the streamed set-point and the measured arm."""
    arm = rig.session.latest_state().value
    return float(np.linalg.norm(rig.session.streamer.setpoint[:3] - arm[:3]))


# ---------------------------------------------------------------------------------- pins ---
@pytest.mark.parametrize("push_m,restarts", [(0.04, True), (0.005, False)])
def test_a_push_during_a_camera_stall_restarts_only_beyond_the_tolerance(model, push_m,
                                                                         restarts):
    """A finished arm pushed ``push_m`` along +y while the camera stalls 0.8 s.

    Held up: 4 cm: "moved meanwhile", the set-point restarts at the pushed arm (within 1 mm);
    5 mm (within ``RESUME_TOLERANCE_M``): no restart, no line.
    """
    rig = _finished(model)
    pushed_during_camera_dropout(rig, push_m)
    assert bool(_said(rig, MOVED)) is restarts, _said(rig, MOVED)


def test_a_push_during_a_state_outage_with_the_camera_fine_restarts(model):
    """The robot states stop 0.6 s (the camera fine) while a hand pushes the arm 4 cm.

    Input: finished arm at rest, no state from t0 for 0.6 s, frames at 10 Hz throughout; the
    arm is 4 cm along +y when the states return. Held up: the reference (the state nearest the
    newest frame) is the last state before the outage, so the resume says "moved meanwhile"
    and the set-point restarts at the pushed arm (not pulled back).
    """
    rig = _finished(model)
    pushed = rig.base.copy()
    pushed[1] += 0.04
    for _ in range(60):
        rig.clock.now += DT
        rig.session.stream_step()
        if rig.clock.now >= rig.next_frame:
            rig.frames += 1
            rig.session.observe_image(frame(100 + rig.frames), rig.clock.now)
            rig.next_frame = rig.clock.now + 0.1
    assert rig.session.phase is Phase.HOLDING
    for _ in range(10):  # the states return with the arm where the hand left it
        rig.clock.now += DT
        rig.session.stream_step()
        rig.session.observe_state(pushed, rig.clock.now)
    assert _said(rig, MOVED), rig.logs[-5:]
    assert _gap(rig) <= 0.002


def test_a_rotation_only_push_during_a_camera_stall_restarts(model):
    """A hand turns the finished arm 0.2 rad about z (no translation) during a camera stall.

    Held up: 0.2 rad > ``RESUME_TOLERANCE_RAD``: the resume restarts at the turned pose.
    """
    rig = _finished(model)
    base = rig.base.copy()
    start = Rotation.from_euler("xyz", base[3:6])
    pose = base.copy()
    for i in range(80):  # the camera stalls; a hand turns the arm at 0.5 rad/s
        rig.clock.now += DT
        rig.session.stream_step()
        pose[3:6] = (Rotation.from_euler("z", min(0.2, 0.005 * (i + 1))) * start).as_euler("xyz")
        rig.session.observe_state(pose, rig.clock.now)
    assert rig.session.phase is Phase.HOLDING
    for _ in range(10):  # frames again, the arm held where it was turned
        rig.clock.now += DT
        rig.session.stream_step()
        rig.session.observe_state(pose, rig.clock.now)
        rig.frames += 1
        rig.session.observe_image(frame(100 + rig.frames), rig.clock.now)
    assert _said(rig, MOVED), rig.logs[-5:]
    assert _gap(rig) <= 1e-3


@pytest.mark.parametrize("mode", ["blocking", "continuous"])
def test_a_new_lists_command_is_judged_afresh_after_the_old_one_arrived(model, mode):
    """The first list's command arrived (latched); ``~/clear_goals``, then a new list.

    Input: lag 0.97 (the arm trails), the first list finished and held; clear, set a new
    one-step list; 0.4 s into its trailing move a 0.6 s camera dropout. Held up: the new
    command reset the latch, so the hold cuts it ("stopped short"), the sub-goal is commanded
    once more, then the finished hold (3 commands in all), no timeout warning.
    """
    rig = _rig(model, mode, lag=0.97)
    for _ in range(500):
        _step(rig)
    assert rig.commands == 1 and rig.session._arm_arrival_seen
    rig.session.clear_goals()
    for _ in range(20):
        _step(rig)
    rig.session.set_goals([SubGoal(frame(9), 1, "new", gripper=0.0)])
    off = 0
    for t in range(700):
        if t == 40:
            assert rig.commands == 2 and rig.session.phase is Phase.MOVING
            assert not rig.session._arm_arrival_seen  # reset by the new command
            off = 60
        _step(rig, camera=off == 0)
        off = max(off - 1, 0)
    assert _said(rig, "ended sub-goal 1/1 stopped short"), [m for _, m in rig.logs][-8:]
    assert rig.commands == 3, [m for _, m in rig.logs]
    assert not _said(rig, "did not reach the target")


def test_a_timeout_latched_command_cuts_nothing_at_a_later_hold(model):
    """The arm never gets within tolerance; after the timeout a camera dropout cuts nothing.

    Input: blocking, an arm 2 cm below every set-point, ``arrival_timeout_s`` 1 s, then a
    0.6 s dropout. Held up (documented): the timeout is an arrival: one warning, no "stopped
    short", no second command, and the resume keeps the set-point (the arm did not move: at
    the parent it restarted 2 cm lower, a jump for this rig's arm, and replanned).
    """
    rig = _rig(model, "blocking", arrival_timeout_s=1.0)
    for t in range(500):
        rig.push[2] = max(rig.push[2] - 2e-4, -0.02)
        _step(rig, camera=not 300 <= t < 360)
    assert rig.commands == 1 and len(_said(rig, "did not reach the target")) == 1
    assert not _said(rig, "stopped short")


def test_pushes_within_the_tolerance_at_each_dropout_never_move_the_setpoint(model):
    """Three camera dropouts, the hand pushing the finished arm 8 mm further (+y) in each.

    Held up (the rule's design): each hold moved the arm 8 mm (< ``RESUME_TOLERANCE_M``) from
    its pose at the newest frame before it, so no resume restarts and the set-point never
    moves (24 mm from the held arm at the end: the arm's own controller's to pull, as before
    the holds; nothing is stepped by the stream).
    """
    rig = _finished(model)
    setpoint = rig.session.streamer.setpoint.copy()
    for k in range(3):
        for i in range(80):  # camera off 0.8 s, the push 8 mm more
            rig.push[1] = 0.008 * k + min(0.008, 0.008 * (i + 1) / 40)
            rig.clock.now += DT
            rig.session.stream_step()
            rig.session.observe_state(setpoint + rig.push, rig.clock.now)
        rig.next_frame = rig.clock.now
        for _ in range(60):
            rig.tick()
    assert not _said(rig, MOVED) and len(_said(rig, "camera image is stale")) >= 1
    assert np.allclose(rig.session.streamer.setpoint, setpoint)


def test_enable_cycle_after_the_arrival_then_a_sag_says_nothing_and_commands_nothing(model):
    """The only command arrived (latched); disable, the arm sags 1.5 cm, enable again.

    Held up: the latch survives the cycle (no command went out), so the finished hold comes
    at once on enable: no timeout warning, no "stopped short" reopen, no second command.
    """
    rig = _rig(model, "blocking", arrival_timeout_s=2.0)
    for _ in range(200):
        _step(rig)
    assert rig.session._arm_arrival_seen
    rig.session.set_enabled(False)
    for _ in range(100):
        rig.push[2] = max(rig.push[2] - 2e-4, -0.015)
        _step(rig)
    rig.session.set_enabled(True)
    for _ in range(300):
        _step(rig)
    assert rig.commands == 1, [m for _, m in rig.logs]
    assert not _said(rig, "did not reach the target") and not _said(rig, "stopped short")


# ------------------------------------------------------------------------------- defects ---
@pytest.mark.parametrize("outage", ["stopped", "nan"])
def test_a_driver_restart_after_a_push_restarts_the_setpoint_at_the_arm(model, outage):
    """The arm was pushed 4 cm off its set-point before a state outage (a driver restart).

    Input: finished arm at rest (blocking, the "all done" hold streaming the set-point); a hand
    guides it 4 cm along +y over 0.4 s while the states and frames are fine (the stream is not
    held: the set-point stays); then for 0.6 s the robot states stop ("stopped") or come as
    NaN ("nan"): the driver restarting, its controller coming back at the arm's pose; the
    camera fine throughout; then valid states with the arm where the hand left it. What
    happened: ``_last_seen_pose`` (the state nearest the newest frame) is already the pushed
    pose, so "the arm did not move since the newest frame": no restart, and the set-point
    40 mm away streams on to the restarted controller (a 4 cm step in one tick; at the
    commit's parent it restarted: this test passes there). What should happen: a hold on the
    robot states resumes with the set-point at the measured pose when it is farther than the
    tolerance from it (README: "states stopped or NaN: a driver restarted").
    """
    rig = _finished(model)
    for i in range(40):  # the push, both inputs fine: the set-point streams on, unmoved
        rig.push[1] = 0.04 * (i + 1) / 40
        rig.tick()
    assert rig.session.phase is Phase.HOLDING and _gap(rig) > 0.035
    pushed = rig.session.latest_state().value.copy()
    gaps = []
    for t in range(200):  # 0.6 s outage (frames go on), then the driver is back
        rig.clock.now += DT
        out = rig.session.stream_step()
        if t == 59:
            assert rig.session._stream_held
        if out is not None and out.setpoint is not None and t >= 60:
            gaps.append(float(np.linalg.norm(out.setpoint[:3] - pushed[:3])))
        if t >= 60:
            rig.session.observe_state(pushed, rig.clock.now)
        elif outage == "nan":
            rig.session.observe_state(np.full(7, np.nan), rig.clock.now)
        if rig.clock.now >= rig.next_frame:
            rig.frames += 1
            rig.session.observe_image(frame(100 + rig.frames), rig.clock.now)
            rig.next_frame = rig.clock.now + 0.1
    assert gaps, "nothing streamed after the outage"
    assert max(gaps) <= 0.011, f"set-point {max(gaps) * 1000:.1f} mm from the restarted arm"


class AheadRig(Rig):
    """``test_breaker43h.Rig`` whose camera stamps its frames ``ahead`` [s] after its arrival.

    A camera on another host whose clock runs ahead (within ``safety.max_image_age_s``, which
    ``input_ages.age_problem`` accepts in both directions).
    """

    ahead = 0.4

    def tick(self, camera=True):
        self.clock.now += DT
        out = self.session.stream_step()
        held = out is None or out.setpoint is None
        state = self.session.latest_state().value.copy() if held else out.setpoint + self.push
        self.session.observe_state(state, self.clock.now)
        if camera and self.clock.now >= self.next_frame:
            self.frames += 1
            self.session.observe_image(frame(100 + self.frames), self.clock.now + self.ahead)
            self.next_frame = self.clock.now + 0.1
        return out


def test_a_push_during_a_camera_stall_restarts_with_camera_stamps_ahead(model):
    """breaker43h's push during a camera stall, with the camera's stamps 0.4 s ahead.

    Input: ``AheadRig`` (frames stamped 0.4 s after their arrival, accepted: within
    ``safety.max_image_age_s`` 0.5 s), a finished arm at rest; the camera stalls and a hand
    pushes the arm 4 cm along +y over 0.4 s from then (the stream still streams: the hold comes
    once the newest STAMP is 0.5 s old, 0.9 s after the last frame came). What happened:
    ``_last_seen_pose`` takes the state nearest the newest frame's STAMP, 0.4 s after it came,
    when the push was done: "the arm did not move since", no restart, and the set-point streams
    on 40 mm from the pushed arm (pulled back in one tick); with honest stamps
    (``ahead`` 0) it restarts. What should happen: the reference is no later than the frame's
    arrival (the last moment it was seen), so the push restarts the set-point at the arm.
    """
    gap = _pushed_in_a_stall(model, 0.4)
    assert gap <= 0.002, f"set-point {gap * 1000:.1f} mm from the pushed arm"


def test_the_same_push_with_honest_camera_stamps_restarts(model):
    """The control of the test above: ``ahead`` 0, the set-point restarts at the pushed arm."""
    assert _pushed_in_a_stall(model, 0.0) <= 0.002


def _pushed_in_a_stall(model, ahead):
    """Return [m] set-point to arm after a 4 cm push in a camera stall, stamps ``ahead`` [s]."""
    rig = AheadRig(model, "blocking", goals=[SubGoal(frame(7), 1, "only")])
    rig.ahead = ahead
    assert rig.session.plan_step().command is not None
    for _ in range(250):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.phase is Phase.HOLDING and rig.session.streamer.arrived()
    setpoint = rig.session.streamer.setpoint.copy()
    held = False
    for i in range(120):  # the camera stalls; the push from then on
        rig.push[1] = min(0.04, 0.04 * (i + 1) / 40)
        rig.clock.now += DT
        out = rig.session.stream_step()
        held = held or (out is not None and out.hold_started)
        rig.session.observe_state(setpoint + rig.push, rig.clock.now)
    assert held
    rig.next_frame = rig.clock.now
    for _ in range(10):  # frames again, the arm held where the hand left it
        rig.clock.now += DT
        rig.session.stream_step()
        rig.session.observe_state(setpoint + rig.push, rig.clock.now)
        rig.frames += 1
        rig.session.observe_image(frame(100 + rig.frames), rig.clock.now + ahead)
    return _gap(rig)
