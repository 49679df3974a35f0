"""The planner node's safety behaviour measured from outside, as a lab runs it.

Three processes, as in ``bench_planner_soak.py`` (whose helpers start them): the planner node as
``ros2 run`` starts it (tiny random-weight model, continuous control, ``config/planner.yaml``),
a sensor process publishing camera frames (default 640×480 rgb8 at 30 Hz) and 100 Hz joint
states whose arm this script moves (the joint values are found on the package's forward
kinematics, ``joints_at``), and this process watching ``target_pose``, ``gripper_command``,
``~/plan_report``, ``/diagnostics`` and ``/rosout``. Each scenario starts a fresh node:

  inside     arm at the soak's home pose: capture a goal, enable; the arm is moved 28 cm at once
             (pushed); then twice the tolerance below the box floor (held) and back at home,
             28 cm from the held set-point (brought back by hand)
  tolerance  arm TCP half of safety.workspace_tolerance_m below the box floor: ~/add_subgoal
             there (its warning must reach /rosout), enable: the set-points start at the
             measured pose clamped into the box and stay in the box
  beyond     arm TCP twice the tolerance below the floor: capture a goal, enable: no set-point,
             a refusal in /diagnostics; then the arm back inside: the stream starts at it
  gripper    goals.gripper subgoal: three sub-goals captured with the hand open, closed, open;
             the arm follows the set-points (0.1 s behind); the commands go to the sub-goals in
             order (a step back is named: restart, reopen, other); every command's gripper and
             gripper_command follow the sub-goals
  camera_check  enable (no goal), call ~/camera_check with camera_check.trial.when always; the
             arm follows the set-points (0.1 s behind): the check's 14 motions and its correction
             trial stay inside the box and the trial's leash, answer with a trial verdict and
             end back at the start

What reached the arm (``vjepa_ros.eval.setpoint_motion``): the largest set-point step and
linear/angular speed against the node's ``safety.*`` limits, the farthest set-point outside the
box, restarts (the stream starting again at the arm). A ``FAIL:`` line per broken limit or
missed expectation; the exit status is 1 if there is one.

Run:  python benchmarks/bench_planner_safety.py [--seconds 12] [--fps 30] [--width 640
      --height 480] [--scenario inside tolerance beyond gripper camera_check]
      [--samples 16 --iterations 2] [--keep]
Loopback only: every process runs with ROS_LOCALHOST_ONLY=1 and discovery range LOCALHOST.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import vjepa_ros  # noqa: E402, F401 (first: a stop while the rest loads: one line, main_start)

# isort: split
import numpy as np  # noqa: E402

from benchmarks.bench_planner_soak import (  # noqa: E402 (after the path set-up)
    NODES,
    PUBLISHED,
    SUBSCRIBED,
    add_process_options,
    check_process_options,
    spin_for,
)
from benchmarks.safety_run import (  # noqa: E402, F401 - JOINT_*, joints_at: tests
    ARM_WAIT_S,
    CLOSED,
    JOINT_LOWER,
    JOINT_UPPER,
    OPEN,
    Phase,
    Run,
    Watch,
    joints_at,
)
from benchmarks.soak_sensors import HOME  # noqa: E402
from benchmarks.subgoal_order import (  # noqa: E402
    collapse_runs,
    hand_changes,
    subgoal_order_failures,
)
from vjepa_ros.cli_parser import ArgumentParser  # noqa: E402
from vjepa_ros.nodes.busy_domain_scripts import script_refuses_before  # noqa: E402
from vjepa_ros.robot.planner_name import PLANNER_NODE as PLANNER  # noqa: E402
from vjepa_ros.robot.safety import SafetyLimits  # noqa: E402
from vjepa_ros.robot.workspace_box import distance_outside_box  # noqa: E402
from vjepa_ros.saved_outputs import saved_text, wrote  # noqa: E402
from vjepa_ros.scratch_folder import ScratchFolder  # noqa: E402
from vjepa_ros.terminate import EXIT_STATUS as TERMINATED_STATUS  # noqa: E402
from vjepa_ros.terminate import (  # noqa: E402
    call_held,
    stop_signals_held,
    stopped_by,
    stops_undisguised,
)

if TYPE_CHECKING:
    pass

# The set-point measure (torch, scipy: seconds; a quarter minute under load) and rclpy are imported
# where they are first needed, after the options are checked: --help and a bad option answer at
# once.

os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] = "LOCALHOST"
os.environ["ROS_LOCALHOST_ONLY"] = "1"
os.environ.setdefault("ROS_DOMAIN_ID", str(os.getpid() % 100 + 1))

SCENARIOS = ("inside", "tolerance", "beyond", "gripper", "camera_check")
# the fed hand opens and closes over this long [s], in these many steps (a Franka Hand: 0.8 s; at
# once it is a finger jump the node holds out: robot/closedness_jumps.py)
HAND_MOVE_S, HAND_STEPS = 0.6, 12
CHECK_S = 300.0  # [s] longest the live camera check with its trial may take here (~1-2 min)
MOVED_XYZ = (0.5, 0.15, 0.35)  # [m] where "inside" moves the arm: 28 cm from the home TCP
BACK_XYZ = (0.45, 0.1, 0.25)  # [m] where "beyond" brings the arm back into the box
ORDER = [0, 1, 2]  # the gripper scenario's sub-goals, in the order the commands go to them


def node_settings() -> tuple[SafetyLimits, float]:
    """Return the safety limits and stream period [s] that config/planner.yaml gives the node."""
    from vjepa_ros.config import from_dict
    from vjepa_ros.package_files import config_path
    from vjepa_ros.robot.control_config import ControlConfig
    from vjepa_ros.yaml_files import read_ros_params

    params = read_ros_params(config_path("planner.yaml"), PLANNER)
    control = from_dict(ControlConfig, params.get("control"), "control.")
    return from_dict(SafetyLimits, params.get("safety"), "safety."), 1.0 / control.stream_rate_hz


def below_floor_xyz(limits: SafetyLimits, depth_m: float) -> np.ndarray:
    """Return a TCP position [3] ``depth_m`` below the box floor, mid-box in x and y."""
    lower, upper = limits.box
    xy = (lower[:2] + upper[:2]) / 2
    return np.array([xy[0], xy[1], lower[2] - depth_m])


def scenario_inside(run: Run, seconds: float) -> None:
    home = run.watch.arm[-1][1]
    run.trigger("capture_goal")
    run.expect_start_at_arm(run.record("commanding", seconds, True, run.enable))
    run.record("arm pushed 28 cm", seconds / 2, action=lambda: run.move(MOVED_XYZ))
    beyond = below_floor_xyz(run.watch.limits, 2 * run.watch.limits.workspace_tolerance_m)
    held = run.record("pushed beyond tolerance", seconds / 2, action=lambda: run.move(beyond))
    run.expect(any("outside the workspace box" in r for r in held.refusals),
               f"no outside-the-box refusal in /diagnostics (saw {held.refusals})")
    run.record("back at home, 28 cm away", seconds / 2, action=lambda: run.move(home))


def scenario_tolerance(run: Run, seconds: float) -> None:
    answer = run.trigger("add_subgoal")
    phase = run.record("within tolerance", seconds, True, run.enable)
    run.expect_start_at_arm(phase)
    run.expect("warning:" in answer, f"~/add_subgoal answered without a warning: {answer}")
    run.expect(any("outside the safety workspace box" in m for m in run.watch.logs),
               "no warning about the sub-goal outside the box reached /rosout")
    run.expect(not phase.refusals, f"held within the tolerance (any hold fails this phase: a "
               f"stale-input one means the machine was too loaded to judge): {phase.refusals}")


def scenario_beyond(run: Run, seconds: float) -> None:
    run.trigger("capture_goal")
    held = run.record("beyond tolerance", seconds / 2, action=run.enable)
    run.expect(held.setpoints == 0, f"{held.setpoints} set-points sent from beyond tolerance")
    run.expect(any("outside the workspace box" in r for r in held.refusals),
               f"no outside-the-box refusal in /diagnostics (saw {held.refusals})")
    run.expect(any("not commanding: end effector is outside the workspace box" in m
                   for m in run.watch.logs), "no outside-the-box refusal reached /rosout")
    run.expect_start_at_arm(run.record("back inside", seconds / 2, True,
                                       lambda: run.move(BACK_XYZ)))


LEASH_PASS_M = 1e-4  # [m] a set-point's pass of a target at the leash (a braking ramp's rest)


def scenario_camera_check(run: Run, seconds: float) -> None:
    """Run the live camera check and its trial, the arm following every set-point.

    ``seconds`` is unused: the check takes as long as its moves.
    """
    from std_srvs.srv import Trigger

    from vjepa_ros.eval.setpoint_motion import limit_failures
    from vjepa_ros.robot.camera_check_trial import CheckTrialConfig

    start_xyz = np.array(run.watch.arm[-1][1])
    run.enable()
    client = run.watch.node.create_client(Trigger, f"/{PLANNER}/camera_check")
    run.expect(client.wait_for_service(timeout_sec=10), "no ~/camera_check service")
    begin = run.watch.now()
    future = call_held(client.call_async, Trigger.Request())
    run.spin_following(CHECK_S, future.done)
    phase = run.watch.phase("motions and correction trial", begin, run.watch.now(), True)
    run.phases.append(phase)
    if phase.motion is not None:
        run.failures += [f"{line} in {phase.name}" for line in limit_failures(
            phase.motion, run.watch.limits, run.watch.period_s)]
    run.expect_start_at_arm(phase)
    response = future.result() if future.done() else None
    run.expect(response is not None, f"~/camera_check did not answer in {CHECK_S:g} s")
    if response is None:
        return
    loaded = " (a stale-input hold: the machine was too loaded to judge; run it on a quieter " \
        "machine)" if "is stale" in response.message else ""
    run.expect(response.success and "in the trial the planner closed" in response.message,
               f"~/camera_check answered without a trial verdict: {response.message[:200]}"
               f"{loaded}")
    leash = CheckTrialConfig().max_distance_m
    setpoints = np.array([s[1] for s in run.watch.setpoints if s[0] >= begin])
    farthest = float(np.linalg.norm(setpoints - start_xyz, axis=1).max()) if len(setpoints) \
        else 0.0
    # the trial's targets lie within the leash; a set-point may pass a target by the remainder of
    # its braking ramp (v²/2a at the ramp's last step: micrometres) rather than stop above the
    # acceleration limit (README "passes by at most v²/2a"): 0.1 mm allowed, the excess printed
    run.expect(farthest <= leash + LEASH_PASS_M, f"a set-point {farthest * 100:.3f} cm from the "
               f"check's start, beyond the trial's leash ({leash * 100:g} cm) by more than "
               f"{LEASH_PASS_M * 1e3:g} mm")
    back = float(np.linalg.norm(np.array(run.watch.arm[-1][1]) - start_xyz))
    run.expect(back <= 0.01, f"the arm ended {back * 100:.1f} cm from the check's start")
    run.check_summary = (f"camera check: {len(setpoints)} set-points, farthest "
                         f"{farthest * 100:.1f} cm from the start (leash {leash * 100:g} cm, "
                         f"{max(farthest - leash, 0.0) * 1e6:.1f} um beyond), "
                         f"ended {back * 1e3:.1f} mm from it; answer: "
                         f"{response.message.split(';')[0][:160]}")
    client.destroy()


def scenario_gripper(run: Run, seconds: float) -> None:
    expected, hand = [], OPEN
    for finger in (OPEN, CLOSED, OPEN):
        for k in range(1, HAND_STEPS + 1):  # as a Franka Hand moves, not at once (a finger jump)
            run.move(run.watch.arm[-1][1], hand + (finger - hand) * k / HAND_STEPS)
            spin_for(run.executor, HAND_MOVE_S / HAND_STEPS)
        hand = finger
        spin_for(run.executor, 0.6)  # frames and joint states with this hand
        run.trigger("add_subgoal")
        expected.append(0.0 if finger == OPEN else 1.0)
    run.move(run.watch.arm[-1][1], OPEN)
    # the arm follows its set-points: a hand change for the next sub-goal waits for the measured
    # arm at the target of the command that ended the sub-goal before (an arm that stayed put
    # would hold it for control.arrival_timeout_s, longer than the phase)
    run.expect_start_at_arm(run.record("sub-goals open, closed, open", seconds, True,
                                       run.enable, follow=True))
    commanded = [p for p in run.watch.plans if p["commanded"]]
    wrong = [(p["subgoal_index"], p["command"][6]) for p in commanded
             if p["command"][6] != expected[p["subgoal_index"]]]
    # the order commanded (runs collapsed), not the set: a list restarted by a false new world
    # (0, 1, 0, 1, 2) and a sub-goal reopened (1, 2, 1, 2) are told apart by the node's lines
    order = collapse_runs(p["subgoal_index"] for p in commanded)
    changes = hand_changes(ORDER, expected)  # what gripper_command carries: 0, 1, 0
    run.expect(not wrong, f"commands whose gripper is not their sub-goal's (index, gripper): "
                          f"{wrong[:5]}")
    run.failures += [f"FAIL: {line}" for line in subgoal_order_failures(
        [p["subgoal_index"] for p in commanded], run.watch.logs, ORDER)]
    run.expect(run.watch.gripper == changes,
               f"gripper_command sent {run.watch.gripper}, expected {changes} (sub-goals "
               f"{ORDER}); the commands went to sub-goals {order}")
    run.gripper_summary = (f"gripper_command {run.watch.gripper} for sub-goals captured "
                           f"{expected}; {len(commanded)} commands to sub-goals {order}, "
                           f"{len(wrong)} with another gripper")


def clipped(text: str, width: int = 70) -> str:
    """Return ``text`` cut to at most ``width`` characters plus " …" at a clause or word boundary.

    A refusal's table cell: cut before the last ", ", "; ", ": " or " (" that leaves at least half
    the width, else before the last space (a word cut in two read as another word: "faster than ").
    """
    if len(text) <= width:
        return text
    head = text[:width + 1]
    clause = max(head.rfind(mark) for mark in (", ", "; ", ": ", " ("))
    end = clause if clause >= width // 2 else head.rfind(" ")
    return f"{text[:end if end > 0 else width].rstrip()} …"


def table(phases: list[tuple[str, Phase]], limits: SafetyLimits) -> list[str]:
    """Return the printed table: one row per scenario phase."""
    rows = ["| scenario: phase | arm TCP outside box [mm] | set-points (/s) | max step [mm] | "
            "max speed [m/s] | max angular [rad/s] | farthest outside box [mm] | restarts "
            "[mm] | first set-point − arm in box [mm] | refusal |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for scenario, phase in phases:
        outside = 1e3 * float(distance_outside_box(phase.arm_xyz, limits))
        m = phase.motion
        cells = ["–"] * 5 if m is None else [
            f"{m.max_step_m * 1e3:.2f}", f"{m.max_speed_m_s:.3f}",
            f"{m.max_angular_speed_rad_s:.3f}", f"{m.outside_box_m * 1e3:.2f}",
            ", ".join(f"{r * 1e3:.0f}" for r in m.restarts) or "none"]
        gap = "–" if np.isnan(phase.first_gap_m) else f"{phase.first_gap_m * 1e3:.2f}"
        refusal = "; ".join(clipped(r) for r in phase.refusals) or "none"
        rows.append(f"| {scenario}: {phase.name} | {outside:.1f} | {phase.setpoints} "
                    f"({phase.rate:.0f}) | {' | '.join(cells)} | {gap} | {refusal} |")
    return rows


def main() -> None:
    """Parse the options and run the check; Ctrl-C or SIGTERM: one line, status 130 or 143."""
    parser = ArgumentParser(description=__doc__.splitlines()[0])
    add_process_options(parser, 12.0, "length of a scenario's main phase [s] (others: half)")
    parser.add_argument("--scenario", nargs="+", choices=SCENARIOS, default=list(SCENARIOS))
    args = parser.parse_args()
    check_process_options(parser, args)
    # SIGTERM raises terminate.Terminated (run_script), also through rclpy.init's handler,
    # which calls the one in force before it
    try:
        # a stop inside an import (scipy's) fails it with another error: still the stop
        with stops_undisguised(), ScratchFolder("bench_planner_safety_",
                                                keep=args.keep) as scratch:
            if args.keep:
                wrote(scratch.path, "--keep")
            check(args, scratch)
    except KeyboardInterrupt as exc:  # each scenario stopped its processes on the way out
        word, status = stopped_by(exc)
        stopped = "terminated (SIGTERM)" if status == TERMINATED_STATUS else word
        print(f"\nbench_planner_safety.py: {stopped}; the planner node and sensor processes "
              f"it started are stopped; {saved_text()}", file=sys.stderr)
        sys.exit(status)  # 130 / 143: 128 + the signal, as a shell reports it


def check(args, scratch: ScratchFolder) -> None:
    """Run the scenarios and print the table; exit 1 if a limit or expectation failed.

    ``scratch``: a folder of this run for the camera check's files (removed after it).
    """
    import rclpy
    from rclpy.executors import SingleThreadedExecutor

    from vjepa_ros.eval.setpoint_motion import SPAN_S, SPEED_TOLERANCE, longest_step_m

    limits, period_s = node_settings()
    tolerance = limits.workspace_tolerance_m
    starts = {"inside": None, "tolerance": below_floor_xyz(limits, tolerance / 2),
              "beyond": below_floor_xyz(limits, 2 * tolerance), "gripper": None,
              "camera_check": None}
    parameters = {"gripper": {"goals.gripper": "subgoal"},
                  "camera_check": {"camera_check.trial.when": "always",
                                   "camera_check.output_dir": str(scratch.path / "camera_check")}}
    run_scenario = {"inside": scenario_inside, "tolerance": scenario_tolerance,
                    "beyond": scenario_beyond, "gripper": scenario_gripper,
                    "camera_check": scenario_camera_check}
    from vjepa_ros.robot.kinematics import FrankaKinematics

    home_xyz = FrankaKinematics().ee_pose(HOME)[:3]
    from vjepa_ros.nodes.dds_profile import use_camera_profile

    use_camera_profile()  # the profile its node processes get; "" (Fast DDS defaults): removed
    script_refuses_before(NODES, PUBLISHED, SUBSCRIBED)  # never another launch's planner or arm
    with stop_signals_held():  # made whole; a stop raised after, never inside rclpy (terminate)
        rclpy.init()
        node = rclpy.create_node("safety_watch")
        executor = SingleThreadedExecutor()
        executor.add_node(node)
    watch = Watch(node, limits, period_s)
    phases, failures, notes = [], [], []
    began = time.monotonic()
    try:
        for name in args.scenario:
            watch.clear()
            run = Run(args, executor, watch, parameters.get(name, {}),
                      home_xyz if starts[name] is None else starts[name], scratch)
            try:
                if run.await_arm():  # the arm's first joint states, this sensor's
                    run_scenario[name](run, args.seconds)
                else:
                    run.failures.append(f"FAIL: no joint state with the arm at its start pose "
                                        f"reached this process in {ARM_WAIT_S:g} s")
            finally:
                run.close()
            spin_for(executor, 0.5)  # take what the stopped node sent: not the next scenario's
            phases += [(name, phase) for phase in run.phases]
            failures += [f"{line} ({name})" for line in run.failures]
            if hasattr(run, "gripper_summary"):
                notes.append(f"gripper: {run.gripper_summary}")
            if hasattr(run, "check_summary"):
                notes.append(run.check_summary)
    finally:  # (each Run stops its processes in its own finally, before this). A stop that
        # rclpy's handler met first (ExternalShutdownException) is that stop: main's
        # stops_undisguised
        node.destroy_node()
        rclpy.try_shutdown()
    print(f"# planner node safety check: frames {args.width}x{args.height} {args.transport} at "
          f"{args.fps:g} Hz, joint states 100 Hz, tiny model, CEM S {args.samples} I "
          f"{args.iterations} H 1, continuous, {os.cpu_count()} CPUs, "
          f"{time.monotonic() - began:.0f} s")
    print(f"# limits (config/planner.yaml): box {limits.workspace_min}..{limits.workspace_max} m,"
          f" workspace_tolerance_m {tolerance:g}, max_speed_m_s {limits.max_speed_m_s:g}, "
          f"max_angular_speed_rad_s {limits.max_angular_speed_rad_s:g}, max_step_m "
          f"{limits.max_step_m:g}; stream {1 / period_s:g} Hz: longest step "
          f"{longest_step_m(limits, period_s) * 1e3:g} mm; speeds over ≥ {SPAN_S * 1e3:g} ms "
          f"spans, limit + {SPEED_TOLERANCE:.1%}")
    print("\n".join(table(phases, limits)))
    for note in notes:
        print(note)
    print("\n".join(failures) if failures else "PASS: every limit and expectation held")
    if args.keep:
        print(f"kept (--keep): {scratch.path} (per scenario: model.pt, planner.log)")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    from vjepa_ros.command_errors import run_script  # a user error: one line, no traceback

    raise SystemExit(run_script(main))
