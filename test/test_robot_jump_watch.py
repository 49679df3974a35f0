"""``jump_watch.JumpWatch`` alone: its new-world rule and what makes a stream's stamps coarse.

A session's view of the same (holds, lines, the set-point) is in ``test_robot_mpc_teleport.py``
and ``test_breaker33x.py``.
"""

import numpy as np
import pytest

from vjepa_ros.robot.jump_watch import JumpWatch

START = np.array([0.5, 0.0, 0.3, np.pi, 0.0, 0.0, 0.0])


def at(xyz) -> np.ndarray:
    pose = START.copy()
    pose[:3] = xyz
    return pose


def test_a_glitch_ahead_of_a_motion_left_behind_without_a_jump_back_is_no_teleport():
    # the state after the glitch comes 50 ms later: jumping back 8 cm is within 3 m/s x 50 ms,
    # so no second jump says the arm is elsewhere; the arm's states then walk towards the
    # glitch's pose at 5 cm/s. Landed by "nearer where the jump went" (the old rule): 0.08 m
    watch, stamp, xyz = JumpWatch(), 0.0, START[:3].copy()
    assert watch.problem(at(xyz), stamp) == ""
    assert "jumps 0.080 m" in watch.problem(at(xyz + [0.08, 0, 0]), stamp + 0.001)
    stamp += 0.05
    for _ in range(30):  # 0.05 m/s for 1.5 s: 7.5 cm, now 5 mm from the glitch's pose
        xyz = xyz + [0.0025, 0, 0]
        assert watch.problem(at(xyz), stamp) == ""
        stamp += 0.05
    assert watch.landed() is None


def test_a_teleport_between_two_glitches_of_one_hold_is_judged_by_the_latest_jump():
    watch, stamp = JumpWatch(), 0.0
    home, elsewhere = START[:3], START[:3] + [0.0, 0.1, 0.0]
    steps = [home, home - [0, 0.15, 0], home,  # a glitch 15 cm off and back
             elsewhere,  # the teleport
             elsewhere + [0, 0, 0.15], elsewhere]  # a glitch from there and back
    refused = []
    for xyz in steps:
        refused.append(bool(watch.problem(at(xyz), stamp)))
        stamp += 0.01
    assert refused == [False, True, True, True, True, True]
    assert watch.landed().moved_m == pytest.approx(0.1)
    assert watch.landed() is None, "a jump is forgotten once asked"


@pytest.mark.parametrize("settled", [[0.0, 0.0, 0.0], [0.0, 0.004, 0.0]])
def test_two_glitches_of_one_hold_that_jump_back_are_no_teleport(settled):
    # judged by the latest jump (the jump back), a teleport must go more than the 1 cm slack:
    # settled 4 mm from where the arm was, 0 mm from where the jump back went, is a glitch
    watch, stamp, home = JumpWatch(), 0.0, START[:3]
    for xyz in [home, home + [0, 0, 0.15], home, home + [0.12, 0, 0], home + settled]:
        watch.problem(at(xyz), stamp)
        stamp += 0.01
    assert watch.landed() is None


def _sim_at_03x(watch, pose, states=10):
    """Feed ``states`` states 1/60 s apart by stamp, 55 ms by arrival; the last stamp, arrival."""
    stamp = arrival = 0.0
    for _ in range(states):
        stamp, arrival = stamp + 1 / 60, arrival + 0.055
        assert watch.problem(pose, stamp, arrival) == ""
    return stamp, arrival


@pytest.mark.parametrize("repeat", ["glitches", "duplicates"])
def test_repeats_that_jump_or_come_in_a_burst_do_not_make_a_stream_coarse(repeat):
    # COARSE_REPEATS 3 counted any 3 repeated stamps: three glitches of a second source at the
    # newest stamp, or three messages delivered twice, made a simulator's stream "coarse", and
    # its ~/reset (0.115 m at one stamp, 55 ms after the last by arrival) passed
    watch = JumpWatch()
    stamp, arrival = _sim_at_03x(watch, START)
    for _ in range(3):
        if repeat == "glitches":  # one pose 15 cm off at the newest stamp, then the arm again
            arrival += 0.055
            assert watch.problem(at(START[:3] + [0, 0, 0.15]), stamp, arrival)
        else:  # the newest state delivered again, 0.1 ms after it
            arrival += 1e-4
            assert watch.problem(START, stamp, arrival) == ""
        stamp, arrival = stamp + 1 / 60, arrival + 0.055
        watch.problem(START, stamp, arrival)
    arrival += 0.055
    reset = at(START[:3] + [-0.07, 0.07, 0.055])
    assert "jumps 0.113 m in 0 ms" in watch.problem(reset, stamp, arrival)


# ------------------------------------------------------------------ the orientation (session 40)


@pytest.mark.parametrize("wrong", [(5, 1.5), (3, -2.0), (4, 0.6)], ids=["wrist", "roll", "pitch"])
def test_an_orientation_turned_faster_than_an_arm_turns_is_a_jump(wrong):
    """A wrist joint read wrong keeps the TCP's position but not its orientation (breaker40b)."""
    watch = JumpWatch()
    assert watch.problem(START, 0.0) == ""
    glitch = START.copy()
    glitch[wrong[0]] += wrong[1]
    problem = watch.problem(glitch, 0.01)
    assert problem.startswith("turns ") and "faster than an arm turns (5 rad/s)" in problem
    assert watch.problem(START, 0.02).startswith("turns ")  # and straight back: the same


@pytest.mark.parametrize("case", ["roll-wraps", "fast-real-turn", "slow-turn-at-one-stamp"])
def test_real_orientations_are_no_jump(case):
    watch = JumpWatch()
    assert watch.problem(START, 0.0) == ""
    pose = START.copy()
    if case == "roll-wraps":  # pointing down: the roll reads +pi then -pi, one orientation
        pose[3] = -np.pi + 1e-6
        assert watch.problem(pose, 0.001) == ""
    elif case == "fast-real-turn":  # the wrist at 2.5 rad/s (a Franka's Cartesian limit)
        for k in range(1, 100):
            pose[5] = 2.5 * k * 0.001
            assert watch.problem(pose, k * 0.001) == "", k
    else:  # a driver stamping 10 states 1 ms apart with one stamp, turning 2 rad/s
        for k in range(1, 10):
            pose[5] = 2.0 * k * 0.001
            assert watch.problem(pose, 0.0) == "", k


def test_a_session_commands_nothing_from_a_wrist_glitch():
    """Live: the state with the wrong wrist is refused, the plan does not command its turn."""
    from test_robot_mpc import enabled_session, observe, tiny_world_model

    session, clock, logs = enabled_session(tiny_world_model(), mode="blocking")
    glitch = START.copy()
    glitch[5] += 1.5
    clock.now += 0.01
    observe(session, clock, seed=3, state=glitch)
    assert session.state_problem and "turns 1.50 rad" in session.state_problem
    report = session.plan_step()
    assert report is None or report.command is None, "planned from a wrist read 1.5 rad off"
    assert any("turns 1.50 rad" in message for _, message in logs), logs


def test_the_arms_own_states_delivered_out_of_order_pass_and_change_nothing():
    # A multi-threaded driver (or two DDS paths) delivers a state 30 ms late: it is where the
    # arm was at its stamp, so no jump; the states after it compare with the newest, not it.
    watch, stamp, xyz = JumpWatch(), 0.0, START[:3].copy()
    for _ in range(100):  # 0.2 m/s along x at 100 Hz
        stamp += 0.01
        xyz = xyz + [0.002, 0, 0]
        assert watch.problem(at(xyz), stamp) == ""
    assert watch.problem(at(xyz - [0.006, 0, 0]), stamp - 0.03) == ""  # late, but the arm's
    for _ in range(10):
        stamp += 0.01
        xyz = xyz + [0.002, 0, 0]
        assert watch.problem(at(xyz), stamp) == ""
    assert watch.landed() is None


def test_the_verdict_says_which_states_were_not_taken_in_order():
    # judge() answers what problem() says and whether the state is behind (judged at its stamp,
    # or on a clock stepped back awaiting confirmation): the session keeps such a state in place
    # (input_episodes._same_time). A late delivery 30 ms behind, a glitch 0.3 s behind, a clock
    # stepped back 0.2 s under the moving arm (until the states after confirm the step).
    watch, told = JumpWatch(), JumpWatch()
    stamp, arrival, xyz, seen = 0.0, 0.0, START[:3].copy(), []

    def judge(pose, when, arrived):
        verdict = watch.judge(pose, when, arrived)
        assert verdict.problem == told.problem(pose, when, arrived)  # one rule, two views
        seen.append(verdict.behind)
        return verdict

    for _ in range(100):  # 0.2 m/s along x at 100 Hz
        stamp, arrival, xyz = stamp + 0.01, arrival + 0.01, xyz + [0.002, 0, 0]
        assert judge(at(xyz), stamp, arrival) == ("", False)
    assert judge(at(xyz - [0.006, 0, 0]), stamp - 0.03, arrival + 0.001) == ("", True)
    stamp, arrival, xyz = stamp + 0.01, arrival + 0.01, xyz + [0.002, 0, 0]
    assert judge(at(xyz), stamp, arrival) == ("", False)
    glitch = judge(at(xyz + [0, 0, 0.15]), stamp - 0.3, arrival + 0.002)
    assert "jumps" in glitch.problem and glitch.behind
    stamp -= 0.2  # the driver's clock stepped back 0.2 s under the arm
    for k in range(40):
        stamp, arrival, xyz = stamp + 0.01, arrival + 0.01, xyz + [0.002, 0, 0]
        assert judge(at(xyz), stamp, arrival).problem == "", k
    assert seen[-40] and not seen[-1]  # behind until confirmed, then in order again
    assert watch.landed() is None


@pytest.mark.parametrize("back_s", [0.05, 0.3, 0.9])
def test_a_pose_stamped_in_the_past_is_judged_against_the_arm_then_and_opens_no_jump(back_s):
    watch, stamp, xyz = JumpWatch(), 0.0, START[:3].copy()
    for _ in range(120):
        stamp += 0.01
        xyz = xyz + [0.001, 0, 0]
        assert watch.problem(at(xyz), stamp) == ""
    said = watch.problem(at(xyz + [0, 0, 0.15]), stamp - back_s)
    assert f"stamped {back_s * 1e3:.0f} ms before the newest" in said and "jumps" in said
    for _ in range(120):  # the arm goes on: no jump, and no new world afterwards
        stamp += 0.01
        xyz = xyz + [0.001, 0, 0]
        assert watch.problem(at(xyz), stamp) == ""
    assert watch.landed() is None


def test_a_glitch_while_the_arm_brakes_to_rest_is_no_new_world():
    # The arm at 0.3 m/s brakes at 1.5 m/s² (0.2 s to rest: 3 cm); a 0.15 s burst of a driver's
    # default pose begins as it brakes. The way back finds the arm short of where its old
    # velocity would carry it: within what braking takes off (accelerating the other way).
    watch, stamp, xyz, speed = JumpWatch(), 0.0, START[:3].copy(), 0.3
    for _ in range(30):
        stamp += 0.01
        xyz = xyz + [speed * 0.01, 0, 0]
        assert watch.problem(at(xyz), stamp) == ""
    jumps = 0
    for k in range(130):
        stamp += 0.01
        speed = max(0.0, speed - 0.015)
        xyz = xyz + [speed * 0.01, 0, 0]
        jumps += bool(watch.problem(at([0.3, 0.0, 0.5]) if k < 15 else at(xyz), stamp))
    assert jumps == 2 and watch.landed() is None


def test_a_looping_bag_is_refused_for_half_a_second_then_its_clock_is_the_streams():
    # Stamps go back 5 s (a looping bag, a simulator restarted at time 0) and stay there: its
    # states are on another clock until they have come alone for 0.5 s, then a new world.
    watch, stamp, arrival = JumpWatch(), 100.0, 0.0
    for _ in range(100):
        stamp, arrival = stamp + 0.01, arrival + 0.01
        assert watch.problem(START, stamp, arrival) == ""
    stamp -= 5.0
    refused = []
    for _ in range(100):
        stamp, arrival = stamp + 0.01, arrival + 0.01
        refused.append(watch.problem(at(START[:3] + [0.1, 0, 0]), stamp, arrival))
    assert all(refused[:49]) and not any(refused[51:]), [bool(r) for r in refused]
    assert "stamped 4.99 s before the newest state" in refused[0]
    assert "taken after 0.5 s" in refused[0]
    assert watch.landed() is None


def feed(watch, states) -> list[str]:
    """Judge ``states`` [(xyz, stamp, arrival)] in turn; return the problems said."""
    return [p for p in (watch.problem(at(xyz), stamp, arrival) for xyz, stamp, arrival in states)
            if p]


def test_a_simulator_five_times_faster_than_real_time_is_no_other_clock():
    # 10 Hz states, each 0.5 s of simulated time later (0.4 s further ahead than they arrive),
    # the simulated arm moving 0.25 m/s: 12.5 cm between states, fine over 0.5 s of its time.
    states = [(START[:3] + [0.125 * k, 0, 0], 0.5 * k, 0.1 * k) for k in range(40)]
    assert feed(JumpWatch(), states) == []


def test_a_clock_stepped_half_a_second_forward_is_no_other_clock():
    # chrony steps the driver's clock 0.5 s forward; the arm goes on at 0.3 m/s
    states = [(START[:3] + [0.003 * k, 0, 0], 0.01 * k + (0.5 if k >= 150 else 0.0), 0.01 * k)
              for k in range(300)]
    assert feed(JumpWatch(), states) == []


def test_states_delivered_at_once_after_a_stalled_executor_are_no_other_clock():
    # 0.4 s of a 100 Hz stream (the arm at 0.3 m/s) held in a stalled executor, then delivered
    # within a millisecond: their stamps run ahead of their arrivals by 10 ms each
    states = []
    for k in range(300):
        stamp = 0.01 * k
        arrival = stamp + 0.002 if not 100 <= k < 140 else 1.402 + (k - 100) * 1e-5
        states.append((START[:3] + [0.003 * k, 0, 0], stamp, arrival))
    assert feed(JumpWatch(), states) == []
