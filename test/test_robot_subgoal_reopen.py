"""A hold that cuts short the command which ended a sub-goal reopens it (fix43j).

The command that ends a sub-goal switches the sequence as it goes out (the last one: finished);
stopped short by a hold, its sub-goal is active again and planned toward once the hold ends.
A disable reopens it too (shadow mode then plans what the enable will command); clear_goals and
a new world end as before. And the log's last word after an input dropout is the hold that
stands, not "fine again". ROS-free, CPU: ``test_breaker43h``'s rig.
"""

import pytest
from session_rig import DT, Rig
from test_breaker43j import one_step_rig, run_with_dropout
from test_robot_mpc import frame, tiny_world_model

from vjepa_ros.robot.goals import GoalSequence, GoalSwitchConfig, SubGoal
from vjepa_ros.robot.phase import Phase


@pytest.fixture(scope="module")
def model():
    return tiny_world_model()


def test_reopen_undoes_only_the_newest_switch_until_its_command_arrived():
    goals = GoalSequence([SubGoal(frame(1), 2), SubGoal(frame(2), 1)])
    assert goals.count_step() is None and goals.reopen() is None  # no switch: stays counted
    assert (goals.index, goals.steps_done) == (0, 1)
    switch = goals.count_step()
    assert switch is not None and goals.index == 1
    assert goals.reopen() is switch and (goals.index, goals.steps_done, goals.switches) == \
        (0, 1, [])
    assert goals.reopen() is None, "undone twice"
    goals.count_step()
    goals.keep_switch()  # arrived: the switch stands
    assert goals.reopen() is None and goals.index == 1
    assert goals.count_step() is not None and goals.finished
    assert goals.reopen() is not None and not goals.finished and goals.current is goals.goals[1]
    goals.count_step()
    goals.restart()
    assert goals.reopen() is None and (goals.index, goals.steps_done) == (0, 0)


def test_an_energy_switch_reopened_restores_the_plateau_state():
    config = GoalSwitchConfig(rule="energy", energy_threshold=0.1, patience=2, min_delta=0.01,
                              default_steps=[20])
    goals = GoalSequence([SubGoal(frame(1)), SubGoal(frame(2))], config)
    goals.count_step(0.5)
    goals.count_step(0.5)  # one step without improvement
    assert goals.count_step(0.05).reason == "threshold"
    goals.reopen()
    assert (goals.index, goals.steps_done, goals._best, goals._stale) == (0, 2, 0.5, 1)


@pytest.mark.parametrize("mode", ["blocking", "async"])
def test_a_dropout_during_the_move_that_ended_sub_goal_1_plans_sub_goal_1_again(model, mode):
    """Sub-goal 1's one step is cut by a camera stall: the sequence does not go on to 2 from there.

    (A descend cut 2 cm above the object, then the grasp sub-goal: the hand closes in the air.)
    continuous: the next plan, toward sub-goal 2, goes out on the next frame (its design), so
    the stall cuts that one.
    """
    rig = Rig(model, mode, goals=[SubGoal(frame(7), 1, "approach"), SubGoal(frame(8), 1, "grasp")])
    commanded = []
    rig.session.add_report_listener(
        lambda r: commanded.append(r.subgoal.index) if r.command is not None else None)
    assert rig.session.plan_step().command is not None and rig.session.goals.index == 1
    run_with_dropout(rig, "camera", total=500)
    reopened = [m for _, m in rig.logs if "ended sub-goal 1/2 stopped short" in m]
    assert len(reopened) == 1, [m for _, m in rig.logs]
    assert commanded[:2] == [0, 0], commanded  # sub-goal 1 again after the hold
    assert rig.session.goals.finished and rig.session.refusal == "no goal: all 2 sub-goals done"


def test_a_disable_during_the_last_move_reopens_it_and_shadow_mode_plans_it(model):
    """A disable that cut the last move reopens its sub-goal at once; shadow mode plans toward it.

    Shadow mode's plans and ``~/diagnostics`` show what enabling will do (breaker43o): the
    enable commands the cut sub-goal again, so that is what is planned and shown while disabled,
    not "all 1 sub-goals done" (fix43m kept the switch aside until the enable: the watched
    plans were toward the next sub-goal, the enable commanded the cut one). Nothing is commanded.
    """
    rig, _ = one_step_rig(model, "blocking")
    for _ in range(30):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.phase is Phase.MOVING
    rig.session.set_enabled(False)
    assert not rig.session.goals.finished and rig.session.snapshot().subgoal.index == 0
    reopened = [m for _, m in rig.logs if "stopped short" in m]
    assert len(reopened) == 1 and reopened[0].startswith(
        "disabled: the command that ended sub-goal 1/1") and reopened[0].endswith(
        "planned toward in shadow mode, commanded once enabled"), reopened
    shadow = []
    for _ in range(100):
        rig.tick()
        report = rig.session.plan_step()
        if report is not None:
            assert report.command is None and report.outcome == "shadow", report.reason
            shadow.append(report.subgoal.index)
    assert shadow and set(shadow) == {0}, shadow
    assert rig.session.commands_sent == 1 and not rig.session.goals.finished


def test_clear_goals_during_the_last_move_stops_it_with_no_goal(model):
    rig, _ = one_step_rig(model, "blocking")
    for _ in range(30):
        rig.tick()
        rig.session.plan_step()
    rig.session.clear_goals()
    assert rig.session.phase is Phase.HOLDING and rig.session.goals is None
    assert rig.session.refusal.startswith("no goal: call ~/capture_goal")
    for _ in range(100):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.commands_sent == 1


def test_a_new_world_during_the_last_move_starts_the_sequence_again(model):
    rig, _ = one_step_rig(model, "blocking")
    for _ in range(30):
        rig.tick()
        rig.session.plan_step()
    rig.clock.now -= 5.0  # the simulator restarted: frames' stamps go back
    rig.next_frame = rig.clock.now
    for _ in range(200):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.commands_sent >= 2, [m for _, m in rig.logs]
    assert any("stamps went back" in m for _, m in rig.logs)
    assert rig.session.goals.finished and len(rig.session.goals.switches) == 1


@pytest.mark.parametrize("what", ["camera", "state"])
def test_a_dropout_after_the_run_ended_leaves_the_hold_as_the_logs_last_word(model, what):
    """The run ended ("all 1 sub-goals done" said); a 0.6 s dropout later must not end "fine".

    While the inputs are stale the refusal is theirs (not the goal's, checked first before);
    when they pass, the line says the inputs are fine and what still holds.
    """
    rig, target = one_step_rig(model, "blocking")
    for _ in range(300):
        rig.tick()
        rig.session.plan_step()
    assert rig.session.refusal == "no goal: all 1 sub-goals done"
    arm = None
    for i in range(150):
        if i < 60 and what == "state":  # the states stop; the frames go on
            rig.clock.now += DT
            rig.session.stream_step()
            if rig.clock.now >= rig.next_frame:
                rig.frames += 1
                rig.session.observe_image(frame(500 + i), rig.clock.now)
                rig.next_frame = rig.clock.now + 0.1
            rig.session.plan_step()
            arm = rig.session.latest_state().value.copy()
        else:
            if arm is not None:
                rig.session.observe_state(arm, rig.clock.now)
                arm = None
            rig.tick(camera=not (what == "camera" and i < 60))
            rig.session.plan_step()
        if i == 55:
            assert "no goal" not in rig.session.refusal, rig.session.refusal
            assert rig.session.snapshot().refusal.kind != "no_goal"
    assert rig.session.refusal == "no goal: all 1 sub-goals done"
    assert rig.session.phase is Phase.HOLDING and rig.session.commands_sent == 1
    last = rig.logs[-1][1]
    assert "fine again" not in last or last.endswith(
        "still not commanding: no goal: all 1 sub-goals done"), [m for _, m in rig.logs][-4:]
    assert not any(m.startswith("inputs and plan fine again") for _, m in rig.logs)


def test_the_resume_keeps_a_planner_error_set_on_the_first_fresh_frame(model):
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 10, "ten steps")])
    rig.session.plan_step()
    for _ in range(200):
        rig.tick()
        rig.session.plan_step()
    for _ in range(60):  # camera stall: held on stale inputs
        rig.tick(camera=False)
        rig.session.plan_step()

    def boom(*args, **kwargs):
        raise RuntimeError("CUDA error: out of memory")

    rig.session._plan = boom
    rig.session.observe_image(frame(900), rig.clock.now)  # the frame comes before the tick
    rig.session.plan_step()
    assert rig.session.refusal.startswith("planner error"), rig.session.refusal
    rig.tick()
    assert rig.session.refusal.startswith("planner error"), rig.session.refusal
    assert "still not commanding: planner error" in rig.logs[-1][1], rig.logs[-3:]


@pytest.mark.parametrize("between", ["disable again", "new goal", "clear_goals"])
def test_the_disable_that_cut_the_move_reopens_once_and_the_enable_commands_it(model, between):
    """The disable reopens the sub-goal it cut (once); the enable commands what shadow showed.

    A second disable reopens nothing more; a new goal or cleared goals replace the sequence.
    """
    rig = Rig(model, "blocking", goals=[SubGoal(frame(7), 1, "place"),
                                        SubGoal(frame(8), 1, "release")])
    assert rig.session.plan_step().command is not None and rig.session.goals.index == 1
    for _ in range(30):
        rig.tick()
        rig.session.plan_step()
    rig.session.set_enabled(False)
    assert rig.session.goals.index == 0  # shadow mode: what the enable will command
    if between == "disable again":
        rig.session.set_enabled(False)
    elif between == "new goal":
        rig.session.set_goals([SubGoal(frame(7), 1, "place"), SubGoal(frame(8), 1, "release")])
    else:
        rig.session.clear_goals()
    rig.session.set_enabled(True)
    reopened = [m for _, m in rig.logs if "stopped short" in m]
    assert len(reopened) == 1 and reopened[0].startswith("disabled: the command that ended "
                                                         "sub-goal 1/2"), reopened
    if between == "clear_goals":
        assert rig.session.goals is None
        return
    assert rig.session.goals.index == 0
    commanded = []
    rig.session.add_report_listener(
        lambda r: commanded.append(r.subgoal.index) if r.command is not None else None)
    for _ in range(100):
        rig.tick()
        rig.session.plan_step()
    assert commanded and commanded[0] == 0, commanded
