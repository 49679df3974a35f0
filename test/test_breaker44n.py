"""breaker44n: attacks on today's input and interface fixes.

Attacked: 017ad30 (``InputChecks._state_blocker`` in ``vjepa_ros/robot/input_checks.py``, shared
by the planning loop and the goal captures: ``robot/goal_session.py``, ``robot/subgoal.py``
``capture_refusal``), b913441 (``scripts/collect_manipulation_episodes.sh``'s ``collected.txt``
record, which ``scripts/pack_manipulation_episodes.sh`` runs first), a5c12b2 (a raising plan
report listener, ``robot/planning_session.py``) and 1326bc1 (``robot/gripper_goals.py``
``GripperGoals``, against rclpy's ``action/client.py``). ROS-free, CPU, with the hand-driven
clock and tiny random world model of ``test_robot_goals``. Each test asserts what SHOULD happen
(strict xfail while the defect stands); its docstring says why a lab would meet it.
"""

from __future__ import annotations

import pytest
from collect_script_harness import calls, run_collect
from test_breaker44e import Goal, RclpyFuture  # rclpy's futures, a GripperCommand goal

from vjepa_ros.robot.gripper_goals import GripperGoals

# --- 1326bc1: GripperGoals -------------------------------------------------------------------

class _RestartingServer:
    """An ActionClient whose server is up or down as ``up`` says; goals stay pending."""

    def __init__(self):
        self.up = True

    def server_is_ready(self):
        return self.up

    def send_goal_async(self, goal):
        return RclpyFuture()


def test_gripper_goals_back_line_counts_the_goals_of_this_outage():
    """Two gripper-driver outages: the second 'sent again' line counts the second's goals.

    A lab sees it whenever the franka_gripper / gripper_action_controller node is restarted
    twice in one session (a gripper error cleared by restarting its driver, a hand swapped):
    during the first outage 3 gripper commands were not sent as goals, during the second 1.
    The line "the GripperCommand server at ... answers; gripper goals are sent again (N not
    sent)" is said when an outage ends; in the second it says "(4 not sent)" although only one
    goal was lost in that outage: the person checking what the hand missed is told 4. It should
    count this outage's goals (1), or say the number is a session total.
    """
    lines = []
    client = _RestartingServer()
    goals = GripperGoals(client, Goal, "/fr3_gripper/gripper_action", 0.08, 20.0,
                         lambda text: lines.append(("warn", text)),
                         lambda text: lines.append(("info", text)))
    assert goals.send(0.0)
    client.up = False
    for closedness in (0.2, 0.5, 1.0):
        assert not goals.send(closedness)
    client.up = True
    assert goals.send(1.0)
    client.up = False
    assert not goals.send(0.0)
    client.up = True
    assert goals.send(0.0)
    back = [text for level, text in lines if level == "info"]
    assert len(back) == 2, lines
    assert "(3 not sent)" in back[0], back[0]
    assert "(1 not sent" in back[1] or ("4 not sent" in back[1] and "total" in back[1]
                                        or "in all" in back[1]), back[1]


# --- b913441: collect_manipulation_episodes.sh's collected.txt ------------------------------

def _run_collect(tmp_path, width: int, episodes: int, first_seed: int = 0):
    """Run ``collect grasp cup <episodes> <first_seed> train`` with a stand-in ``vjepa-ros``.

    The stand-in records its arguments and writes every episode asked (none skipped).
    """
    return run_collect(tmp_path, steps=f"collect grasp cup {episodes} {first_seed} train",
                       width=width)


@pytest.mark.parametrize("change", ["width", "seed"])
def test_collect_script_collects_again_a_complete_folder_whose_record_names_other_options(
        tmp_path, change):
    """The script changed its options (--width, first seed); the rerun collects the folder again.

    A lab sees it when it pulls a newer checkout whose script collects at another resolution
    (the model's input changed) or from other first seeds, and reruns it (or
    pack_manipulation_episodes.sh, which runs it first) on the same WORK: every folder the
    older script finished holds all the episodes asked and a collected.txt naming ``--width
    96`` (or ``--seed 0`` where the script now starts at 500). b913441 wrote that record to say
    which collect made the folder, but a folder with all its episodes is kept without reading
    it: the old episodes are trained on / packed as the new ones, and the log says "+ kept". A
    record that names another collect should make the folder be collected again (folders
    without a record, from before b913441, may be kept).
    """
    before, after = ((96, 0), (128, 0)) if change == "width" else ((128, 0), (128, 500))
    first = _run_collect(tmp_path, before[0], 3, before[1])
    assert first.returncode == 0, first.stderr
    record = (tmp_path / "work" / "train" / "grasp_cup" / "collected.txt").read_text()
    assert f"--width {before[0]}" in record and f"--seed {before[1]} " in record, record
    second = _run_collect(tmp_path, after[0], 3, after[1])
    assert second.returncode == 0, second.stderr
    runs = calls(tmp_path)
    assert len(runs) == 2 and f"--width {after[0]} " in runs[1] and \
        f"--seed {after[1]} " in runs[1], (
            f"the folder an older script collected ({record.strip()}) was kept:\n"
            + second.stderr)


# --- 017ad30: the goal captures ask the loop's own input tests ------------------------------

@pytest.fixture(scope="module")
def model():
    from test_robot_goals import tiny_world_model
    return tiny_world_model()


BAG = ("camera images on /camera/image_raw and joint states on /joint_states come from a bag "
       "player (/rosbag2_player): nothing is commanded from a recording")


def _bag_session(model, enabled: bool):
    """Return a session whose frame and joint states are a bag player's, fresh by its clock."""
    from test_robot_goals import make_session, observe

    from vjepa_ros.robot.goals import SubGoal
    session, clock, _ = make_session(model)
    for _ in range(10):
        observe(session, clock)
    if enabled:
        from test_robot_goals import frame
        session.set_goals([SubGoal(frame(7), None, "g")])
        assert session.set_enabled(True)[0]
    session.set_recorded_inputs(BAG)
    for _ in range(4):
        observe(session, clock, seed=3)
    return session, clock


def test_shadow_mode_captures_a_goal_from_a_bag_players_frame(model):
    """Held up: in shadow mode the loop plans on a replay, and a capture takes its frame."""
    session, clock = _bag_session(model, enabled=False)
    assert session._input_refusal(clock.now) is None
    session.capture_goal()
    assert session.goals is not None and session.goals.goals[0].state is not None


def test_capture_goal_while_enabled_refuses_a_bag_players_frame(model):
    """Enabled, a bag player publishes the camera and joint states: ~/capture_goal refuses.

    A lab sees it when a `ros2 bag play` of yesterday's session is left running in another
    terminal (or started to look at a recording) on the live topics while the node commands
    the arm: the loop holds ("... come from a bag player ...: nothing is commanded from a
    recording"), but a person calling ~/capture_goal to set the next goal gets the recording's
    frame (another scene) as the goal, answered as a success; once the player stops, the arm is
    driven toward the recording's picture. 017ad30 says a capture refuses exactly what the loop
    refuses; it should refuse here too, in one line naming the service and the loop's reason.
    """
    session, clock = _bag_session(model, enabled=True)
    refusal = session._input_refusal(clock.now)
    assert refusal is not None and "bag player" in refusal.detail, refusal
    before = session.goals.goals[0]
    with pytest.raises(RuntimeError, match=r"^~/capture_goal refused: .*bag player"):
        session.capture_goal()
    assert session.goals.goals[0] is before, "the recording's frame became the goal"
