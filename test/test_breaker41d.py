"""breaker41d: the jump rule (``jump_watch.JumpWatch``, 6d21846) as arms and drivers feed it.

Each test was a strict xfail (it asserts what should happen), fixed in session 41: states on
another clock (with arrivals timed, as the node times them) refused, the orientation's way back
extrapolated, a late state judged against every state at its coarse stamp. A false "new world"
forgets the goal sequence's progress, the warm start and the last gripper command and restarts
the set-point (``input_episodes._arm_teleported``); a refused real state holds the planner for a
second.
"""

from pose_steps import moved
from test_breaker41a import DEFAULT, START, at_rest  # a driver's default pose 22 cm away

from vjepa_ros.robot.jump_watch import JumpWatch


def test_a_second_publishers_pose_stamped_0_5_s_ahead_is_refused_and_no_new_world():
    # breaker41a's leftover publisher (15 cm above the arm, 10 Hz), on a robot PC whose clock
    # runs 0.5 s AHEAD of the planner's instead of behind (no chrony: either sign is as
    # likely). Its first state is compared with the arm's newest over 0.5 s (3 m/s x 0.5 s
    # allows 1.5 m): kept, and it becomes the newest; every arm state after it is "stamped
    # before the newest" and judged against the remembered samples, which are soon its own
    # poses: 131 of the arm's 200 real states are refused, none of its 20. When it stops, the
    # arm's states pass the newest stamp and jump 15 cm from its pose: a hold, and landed()
    # says Landing(0.150): a new world, though the arm never moved.
    # Each state's arrival on the node's steady clock is passed, as the planner node does
    # (input_episodes: wall_clock=time.monotonic): the two clocks differ by the arrivals.
    watch = JumpWatch()
    glitch = moved(START, dz=0.15)
    stamp = at_rest(watch, START)
    glitches = []
    for k in range(200):
        stamp += 0.01
        watch.problem(START, stamp, stamp)
        if k % 10 == 9:
            glitches.append(bool(watch.problem(glitch, stamp + 0.5, stamp)))
    for _ in range(200):  # it stopped; the arm's states for 2 s
        stamp += 0.01
        assert watch.problem(START, stamp, stamp) == ""
    assert all(glitches[1:]), f"a pose 15 cm off, stamped 0.5 s ahead, was kept: {glitches}"
    assert watch.landed() is None, "a publisher with a clock ahead made a new world"


def test_a_second_publishers_pose_stamped_1_5_s_behind_is_refused():
    # breaker41a's leftover publisher, its clock 1.5 s behind instead of 0.3 s. Each of its
    # states is "stamped further back" than NEW_WORLD_S: JumpWatch starts afresh at it ("",
    # kept; InputBuffer empties its history for it), and the arm's next state, 1.5 s after it
    # by the stamps, is no jump from it (3 m/s x 1.5 s). Nothing is ever refused. A restarted
    # simulator or a looping bag stays on its new clock; this stream returns to the arm's
    # timeline 10 ms later, every 0.1 s.
    # (arrivals passed as the planner node passes them: breaker41d's first test)
    watch = JumpWatch()
    glitch = moved(START, dz=0.15)
    stamp = at_rest(watch, START)
    refused = []
    for k in range(200):
        stamp += 0.01
        arm = bool(watch.problem(START, stamp, stamp))
        if refused and refused[-1] is False:
            refused[-1] = arm  # the arm's state right after it refused: as good (a hold)
        if k % 10 == 9:
            refused.append(bool(watch.problem(glitch, stamp - 1.5, stamp)))
    assert sum(refused) >= len(refused) - 2, f"a pose 15 cm off, 1.5 s behind, kept: {refused}"


def test_a_burst_while_the_wrist_turns_is_no_new_world():
    # breaker40f's burst (a restarted driver's default pose, 22 cm away, for 0.3 s at 100 Hz)
    # while the arm moves 0.2 m/s along x and the wrist turns 0.5 rad/s about z (teleop
    # aligning the gripper with an object; a Franka turns up to 2.5 rad/s), its yaw 0.3 rad
    # from the default pose's at the burst. The position's way back is extrapolated (no new
    # world without the turn), the orientation's is not: the arm turned 0.15 rad under the
    # burst, not "closer than half" the 0.3 rad jump: Landing(0.062 m, 0.15 rad), the arm's
    # own motion under the burst. Turning 0.3 rad/s: None.
    def run(spin):
        watch, stamp, pose, jumps, speed = JumpWatch(), 0.0, START.copy(), 0, 0.2
        pose[5] = 0.3 - 0.5 * spin  # 0.3 rad when the burst starts
        for _ in range(50):
            stamp += 0.01
            pose[0] += speed * 0.01
            pose[5] += spin * 0.01
            assert watch.problem(pose, stamp) == ""
        for _ in range(30):
            stamp += 0.01
            pose[0] += speed * 0.01
            pose[5] += spin * 0.01
            jumps += bool(watch.problem(DEFAULT, stamp))
        for _ in range(110):  # slowing to rest; the states agree for 1.1 s
            stamp += 0.01
            spin, speed = max(0.0, spin - 0.05), max(0.0, speed - 0.02)
            pose[0] += speed * 0.01
            pose[5] += spin * 0.01
            jumps += bool(watch.problem(pose, stamp))
        assert jumps == 2
        return watch.landed()

    assert run(spin=0.3) is None
    assert run(spin=0.5) is None, "a burst while the wrist turned 0.5 rad/s was a new world"


def test_the_arms_own_late_state_in_a_coarse_stamped_stream_passes():
    # A driver that stamps coarsely (one stamp per 100 ms, states 10 ms apart by arrival: the
    # stream JumpWatch times by arrival) while the arm moves 0.3 m/s along x (teleop); one
    # state, the 9th of its stamp, is delivered 30 ms late (a multi-threaded driver, two DDS
    # paths: test_robot_jump_watch's late state). Stamped 100 ms before the newest, it is
    # judged against the remembered state nearest its stamp: the FIRST of that stamp, 80 ms
    # (2.4 cm) earlier, over 0 ms: "jumps 0.024 m in 0 ms", and the planner holds for 1 s on
    # a real state. Stamped at its arrival, the same late state passes.
    def run(coarse):
        watch, problems = JumpWatch(), []
        order = list(range(1, 160))
        order.remove(108)
        order.insert(order.index(111) + 1, 108)  # after the 11th's (stamp 1.1 s) arrival
        for index, count in enumerate(order):
            pose = moved(START, dx=0.3 * 0.01 * count)
            stamp = (count // 10) * 0.1 if coarse else count * 0.01
            problem = watch.problem(pose, stamp, 0.01 * (index + 1))
            if problem:
                problems.append(problem)
        return problems

    assert run(coarse=False) == []
    assert run(coarse=True) == [], "the arm's own late state was refused"
