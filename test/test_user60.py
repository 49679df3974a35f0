"""user60: a roboticist's first day on the ROS route (README from the top), defects found.

Each test was a strict xfail failing because of its defect; fix60u fixed both (markers gone).
"""

import time

import pytest

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
pytest.importorskip("pybullet", reason="the simulator needs pybullet")
from sim_planner_rig import sim_and_planner  # noqa: E402
from test_reach_demo import _config  # noqa: E402
from test_ros_sim_closed_loop import SIM_PARAMETERS  # noqa: E402

from vjepa_ros.cli import main  # noqa: E402
from vjepa_ros.nodes.planner_node import PlannerNode  # noqa: E402

WAIT_S = 60.0


def test_reach_on_a_busy_domain_never_moves_the_other_arm(tiny_world_model, tmp_path, capsys):
    """A second reach on a busy ROS domain must not command the arm another launch runs.

    What the user does: `vjepa-ros launch --checkpoint demo --node sim --use-sim-time` runs in
    one terminal (ROS_DOMAIN_ID=20, as the launch line printed); in another shell with the same
    ROS_DOMAIN_ID exported they run `vjepa-ros reach` (the README's demo) to compare.

    What happens: reach takes the running simulator's pose and frames and the running planner's
    /diagnostics and parameters for those of its own nodes, goes on to guide "its" arm to the goal
    pose, and publishes target_pose on the domain: the other simulator's arm moves (the running
    planner logs `another node publishes on /target_pose: /reach_demo_hand`); only then does its
    own sim_node refuse as a second simulator and reach exit 1 (on 2 busy cores, a demo-model
    run). With a quick model (this test) it captures the goal on the other planner, enables it,
    lets it command that arm for its steps (84 target_pose messages), disables it and exits 0
    with its strip and GIF: the user's running planner is left disabled, its goal replaced.

    What should happen: reach exits 1 naming the other simulator before anything is published on
    target_pose: no pose command reaches an arm it did not start.
    """
    from geometry_msgs.msg import PoseStamped

    parameters = {"model.checkpoint": str(tiny_world_model), "model.device": "cpu",
                  "planner.horizon": 1, "planner.samples": 16, "planner.topk": 4,
                  "planner.iterations": 1}
    with sim_and_planner(parameters, SIM_PARAMETERS, lambda sim_node: PlannerNode,
                         "user60_probe") as (sim_node, planner_node, probe):
        heard = []
        probe.create_subscription(PoseStamped, "/target_pose", heard.append, 10)
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline and probe.count_publishers("/joint_states") == 0:
            time.sleep(0.1)
        code = main(["reach", "--checkpoint", str(tiny_world_model), "--config",
                     str(_config(tmp_path, 2)), "--out", str(tmp_path / "out")])
        printed = capsys.readouterr()
        assert heard == [], (f"{len(heard)} target_pose message(s) reached the running "
                             f"simulator's arm from the second reach (exit {code}); "
                             f"out: {printed.out[-1500:]} err: {printed.err[-1500:]}")
        assert code == 1, printed.err
        assert "second simulator" in printed.err, printed.err


@pytest.mark.parametrize("samples,iterations", [(100, 5), (50, 3)])
def test_the_cost_line_never_advises_the_search_already_in_use(samples, iterations):
    """The start-up cost line names no "smaller search" that is the search in use or larger.

    What the user does: the README's one-terminal line, `vjepa-ros launch --checkpoint demo
    --node sim --use-sim-time -p sim.camera_rate_hz:=4 -p planner.planner.samples:=100
    -p planner.planner.iterations:=5 -p planner.planner.maxnorm:=0.05`, on a busy 2-core CPU.

    What happens: the node logs `a plan with cem S 100, I 5 (503 imagined sequences) on cpu, 1
    CPU thread, takes about 12 s ...; on a CPU plan with the smaller search: vjepa-ros launch ...
    -p planner.planner.samples:=100 -p planner.planner.iterations:=5 -p
    planner.planner.maxnorm:=0.05 ..., about 12 s a plan`: the "smaller" search is the one it
    runs, and a user hunts for what they did wrong. A search smaller still (S 50, I 3) is told
    to grow to S 100, I 5 as "the smaller search".

    What should happen: the estimate alone when the search is already README's CPU search or
    smaller (nothing cheaper to name).
    """
    from vjepa_ros.planning import CEMConfig
    from vjepa_ros.robot.plan_cost import cheaper_seconds, plan_cost_line

    cem = CEMConfig(samples=samples, iterations=iterations, topk=10, horizon=1, maxnorm=0.05)
    line = plan_cost_line(12.0, cem, "cpu", 1, 30.0, cheaper_seconds(12.0, cem))
    assert f"S {samples}, I {iterations}" in line and "takes about 12 s" in line, line
    assert "smaller search" not in line, line
