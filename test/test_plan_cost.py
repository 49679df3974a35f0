"""fix59s: the planner node says what a plan costs at start-up and while its first plan runs.

user59u launched the planner with config/planner.yaml's S 800, I 10 on a 2-core CPU: over 75 s
passed without a plan or a word (``eval`` and ``camera-check`` print an estimate). ROS-free: the
estimate (``robot.plan_cost.plan_seconds``, ``eval.cpu_cost``'s timing), the start-up line's
words and advice, and the first plan's progress lines; over ROS: the line in the node's log.
"""

import dataclasses
import signal
import subprocess
import sys
import time

import pytest

from conftest import REPO_ROOT
from vjepa_ros.planning import CEMConfig
from vjepa_ros.robot.plan_cost import (
    CPU_SEARCH,
    SLOW_PLAN_S,
    FirstPlanProgress,
    cheaper_search,
    cheaper_seconds,
    plan_cost_line,
    plan_seconds,
)

PAPER = CEMConfig(samples=800, iterations=10, topk=10, horizon=1)
ADVICE = ("-p planner.planner.samples:=100 -p planner.planner.iterations:=5 "
          "-p planner.planner.maxnorm:=0.05")


def test_a_slow_cpu_plan_names_the_smaller_search_and_the_plan_age_limit():
    line = plan_cost_line(75.0, PAPER, "cpu", 1, 30.0, cheaper_seconds(75.0, PAPER))
    assert line.startswith("a plan with cem S 800, I 10 (8003 imagined sequences) on cpu, "
                           "1 CPU thread, takes about 75 s"), line
    assert ADVICE in line and "\n" not in line
    # a plan slower than max_plan_age_s is discarded every time: said, with the value
    assert "longer than safety.max_plan_age_s = 30 s, so every plan would be discarded" in line
    # the smaller search's own estimate: 503 of 8003 sequences
    assert line.endswith("about 4.7 s a plan"), line


def test_a_quick_plan_or_a_gpu_gets_the_estimate_alone():
    quick = plan_cost_line(SLOW_PLAN_S / 2, PAPER, "cpu", 4, 30.0, 0.3)
    assert "takes about 5 s" in quick and "planner.planner" not in quick
    assert "max_plan_age_s" not in quick and "4 CPU threads" in quick
    gpu = plan_cost_line(16.0, PAPER, "cuda:0", 1, 30.0)
    assert "on cuda:0" in gpu and "planner.planner" not in gpu  # no CPU advice on a GPU


def test_a_slow_plan_already_on_the_cpu_search_or_below_gets_other_advice():
    """fix60u: no "smaller search" that is the search in use or a bigger one (user60 #2)."""
    for samples, iterations, horizon in ((100, 5, 1), (50, 3, 2), (10, 1, 1)):
        cem = CEMConfig(samples=samples, iterations=iterations, topk=4, horizon=horizon)
        line = plan_cost_line(12.0, cem, "cpu", 1, 30.0, cheaper_seconds(12.0, cem))
        assert "smaller search" not in line and "planner.planner.samples" not in line, line
        assert "-p planner.model.device:=cuda" in line and "planner.model.threads, now 1" in line
        # a horizon over 1 is named with its value; a horizon of 1 is not offered again
        assert ("planner.planner.horizon:=1, now 2" in line) == (horizon == 2), line
    # one sequence more than the CPU search a plan (S 100, I 6: 603): the smaller search named
    bigger = CEMConfig(samples=100, iterations=6, topk=10, horizon=1)
    line = plan_cost_line(12.0, bigger, "cpu", 1, 30.0, cheaper_seconds(12.0, bigger))
    assert ADVICE in line and line.endswith("about 10 s a plan"), line


def test_the_smaller_search_is_readmes_and_keeps_topk_under_its_samples():
    cheap = cheaper_search(PAPER)
    assert (cheap.samples, cheap.iterations, cheap.maxnorm) == tuple(CPU_SEARCH.values())
    wide = cheaper_search(dataclasses.replace(PAPER, topk=150))
    assert wide.samples == 100 and 2 <= wide.topk < 100


def test_the_estimate_times_the_models_rollout_and_skips_stand_ins(monkeypatch):
    from test_robot_mpc import tiny_world_model

    from vjepa_ros.eval import cpu_cost

    class StandIn:  # no tokens_per_frame / embed_dim: nothing to time
        device = "cpu"

    assert plan_seconds(StandIn(), PAPER) is None
    from vjepa_ros.sim.oracle import OracleWorldModel

    assert plan_seconds(OracleWorldModel(), PAPER) is None  # the test stand-in: no probe
    model = tiny_world_model()
    seconds = plan_seconds(model, PAPER)  # a real rollout timed
    assert seconds is not None and 0 < seconds < float("inf")
    # the per-sequence time times the sequences a plan imagines (search + 3 scored)
    monkeypatch.setattr(cpu_cost, "seconds_per_sequence", lambda model, cem: 0.01)
    assert plan_seconds(model, PAPER) == pytest.approx(0.01 * 8003)
    assert cheaper_seconds(80.03, PAPER) == pytest.approx(5.03)  # 503 sequences
    monkeypatch.setattr(type(model), "compiled", property(lambda self: True))  # compile: no plan
    assert plan_seconds(model, PAPER) is None


def test_the_first_plan_says_its_progress_every_10_s_then_nothing():
    progress = FirstPlanProgress(75.0)
    assert progress.line(None, 100.0, 0) == ""  # no plan runs
    assert progress.line(100.0, 109.9, 0) == ""  # under 10 s: nothing yet
    assert progress.line(100.0, 110.2, 0) == "planning: 10 s so far, estimate 75 s (first plan)"
    assert progress.line(100.0, 115.0, 0) == ""  # said once per 10 s
    assert progress.line(100.0, 120.5, 0).startswith("planning: 20 s so far")
    assert progress.line(100.0, 151.0, 0).startswith("planning: 50 s so far")  # a late check
    assert progress.line(200.0, 230.0, 1) == "" and progress.over  # a plan finished: over
    assert progress.line(300.0, 330.0, 0) == ""  # the next plans say nothing
    unknown = FirstPlanProgress(None)
    assert unknown.line(0.0, 10.0, 0) == "planning: 10 s so far, no estimate (first plan)"


def test_the_planner_node_logs_the_estimate_before_its_ready_line():
    """Over ROS: ``python -m vjepa_ros.nodes.planner_node`` with the demo model on the CPU."""
    pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
    node = subprocess.Popen(
        [sys.executable, "-m", "vjepa_ros.nodes.planner_node", "--ros-args", "-p",
         "model.checkpoint:=demo", "-p", "model.device:=cpu", "-r", "__node:=fix59s_cost"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=REPO_ROOT)
    lines = []
    try:
        deadline = time.monotonic() + 240.0  # a loaded machine: the demo model loads in seconds
        while time.monotonic() < deadline:
            line = node.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip())
            if "ready in shadow mode" in line:
                break
    finally:
        node.send_signal(signal.SIGINT)
        try:
            node.wait(timeout=60)
        except subprocess.TimeoutExpired:
            node.kill()
    ready = [i for i, line in enumerate(lines) if "ready in shadow mode" in line]
    cost = [i for i, line in enumerate(lines) if "a plan with cem S 800, I 10 (8003 imagined "
            "sequences) on cpu" in line]
    assert ready and len(cost) == 1 and cost[0] < ready[0], "\n".join(lines)
    assert "takes about" in lines[cost[0]] and "[INFO]" in lines[cost[0]], lines[cost[0]]
