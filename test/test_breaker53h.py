"""breaker53h: second round on fix53e (carry rule, crashed episodes), mend53b, fix53f.

Attacked at commit f6b0abdb (branch breaker53h = main): ``vjepa_ros/sim/detectors.py``
(``SuccessMonitor._watch`` / ``held_off_table``: after a first grasp, ``carried_xy`` follows the
object while both fingers press >= 0.5 N and its centre is > ``height_tolerance`` (1 cm) above
rest), ``sim/run_command.py`` (``run_episodes``' per-episode crash handling, ``planner_seed``),
``sim/task_run.py`` (``format_totals(crashed=)``), ``benchmarks/bench_manipulation.py``
(``run_loop``'s crashed row, ``main``'s exit status), mend53b's ``recordings/recorded_files.py``
(``read_order``, c893f817) and fix53f's ``frame_id="required"`` (2c7b75da / 3b36f432:
``config.check_values``, ``sim/runner.py``, ``robot/camera.py``, ``nodes/image_publisher.py``,
``nodes/sim_node.py``).

Defects (strict xfails until fix53h fixed them; now plain tests):

1. A cup carried in the fingers (40 N) 5 cm across to the spot *low* (its centre 0.5 cm above
   rest, touching nothing but the fingers) and opened there is placed 0.6 mm from the spot but
   not a success: ``held_off_table`` needs the centre more than 1 cm up, so the last "held"
   position is where the descent passed 1 cm, 5 cm back (``max_put_down_shift`` 3 cm): a real
   carry reads as a push. "Off the table" is a height test, not a contact test.
2. ``vjepa-ros run --episodes 3`` whose first episode's crash leaves pybullet disconnected:
   the crash line is printed, then episode 2's ``setup_task`` (``sim.reset``) raises
   ``pybullet.error: Not connected to physics server.`` out of ``run_episodes`` and
   ``cmd_run`` (it catches only KeyboardInterrupt, OSError, ValueError, RuntimeError): a
   traceback, no totals. (The same ``setup_task`` call in ``bench_manipulation.run_loop``
   catches RuntimeError only, so the benchmark loses its table and JSON the same way.)
3. ``bench_manipulation.py`` whose every loop episode crashed (a CUDA error in every
   ``run_task``) exits 0; ``vjepa-ros run`` exits 1 for one crash. A script or CI job running
   the benchmark cannot tell a broken model from a run of failures.
4. ``format_totals([], skipped=0, crashed=2)`` (``--episodes 2``, both crashed) says ``no
   episode ran (0 seeds skipped: no sub-goal images; 2 episode(s) crashed ...)``: a skip
   clause with 0 in it, worded as if the seeds had no sub-goal images.
5. ``run_command.crash_text(MemoryError())`` (Python's own out-of-memory, an ``assert``'s
   AssertionError: no message) is ``MemoryError:``, so the line reads ``seed S: crashed
   (MemoryError:); counted as a failure`` and the benchmark's row ``"crashed": "MemoryError:"``.

Held up (pins): ``read_order`` with parts listed in text order and no ``files`` entries, parts
of two recordings ordered by start times, a part-named file beside a non-part file; every
helper node's config starts with its defaults and takes a leading '/' frame id from a params
file while refusing an empty one; the sim's ``parse_pose`` takes '/panda_link0' and
'panda_link0' poses with either base_frame spelling. Also tried, no test: ``planner_seed`` is
the scene seed in both tools (the benchmark's ``seed_start`` + i and ``run``'s ``--seed`` + i:
same seeds, same rule); a crashed bench row's JSON (``crashed``: its one-line error, left out
of the medians). The crash line in the benchmark (``# crashed: cup grasp seed S``) names the
object and task but not the agent (with several ``--checkpoint`` models only the table row
says which; not filed). A push read as a carry: the box is the one object that can rise past
1 cm without a lift (on its edge: +1.6 cm; the cup's rim tops out at +0.9 cm); grasped, set
down 10 cm before the spot, then pushed there by the closed fingers (both pressing) at 2-4 cm
over its centre, along its 7 cm and (turned) its 5 cm side: it slid, never rose, and
``carried_xy`` never moved (no test; a scratch scan). ``--seed`` + ``--episodes`` past 2**32 - 1
is refused (``check_scene_seeds``), so ``planner_seed`` stays in the planner's range. Read, no
defect: ``checkpoint_checks.Entries`` (a pure refactor; ``split_checkpoint`` already refuses a
``config`` whose values are not dicts), camera-check's ``recording_rules`` notes (printed once,
with the model's other notes; the TCP note only for a joint-state bag, naming ``--tcp-xyz /
--tcp-rpy``, options camera-check takes).

Not done: a second object pushed after a release, a cup re-grasped after a drop, one finger
slipping in a carry, read_order against a real rosbag2 reindex output, a live ROS node given a
params file with '/'-led frame ids (checked at the config level only).

CPU, pybullet DIRECT, 32 px images; seconds each.
"""

import re
import sys

import numpy as np
import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

import pybullet as p  # noqa: E402

from conftest import load_benchmark  # noqa: E402
from vjepa_ros.sim import Sim  # noqa: E402
from vjepa_ros.sim.detectors import SuccessMonitor  # noqa: E402
from vjepa_ros.sim.manipulation import (  # noqa: E402
    manipulation_sim_config,
    setup_task,
    task_outcome,
)

SEED = 900000
CUDA = "CUDA error: an illegal memory access was encountered"


def _carry_low_onto_spot(hover: float, back: float = 0.05):
    """Grasp the cup (the expert), lower ``back`` m before the spot to the hand ``hover`` m up.

    Then carry it across to the spot at that height (4 s), open and rise 15 cm. Returns
    (outcome, smallest finger force while crossing [N], highest centre above rest while
    crossing [m], contacts with anything but the robot while crossing, carried_xy's distance
    to the spot [m], the cup's end distance to the spot [m]).
    """
    from vjepa_ros.sim.expert import Expert, ExpertConfig

    with Sim(manipulation_sim_config(SEED, "cup", 32, 32)) as sim:
        setup = setup_task(sim, SEED, "pick-and-place", subgoal_images=False)
        monitor = SuccessMonitor(sim)
        cup, spot = sim.object_reading().position.copy(), setup.place_xy
        # the clean expert's grasp and lift (its own motion; seed-free: no noise)
        assert Expert(sim, ExpertConfig().clean(), np.random.default_rng(0),
                      record=False).grasp()
        assert monitor.grasped_seen
        state = sim.target_state()
        direction = (spot - cup[:2]) / np.linalg.norm(spot - cup[:2])
        for height in (0.12, hover):  # over the start of the low carry, then down to it
            state[:3] = np.r_[spot - direction * back, cup[2] + height]
            sim.move_to(state)
        forces, heights, others = _across(sim, state, np.r_[spot, cup[2] + hover])
        sim.move_to(state)
        outcome = _open_up_and_outcome(sim, setup, monitor, state)
        end_xy = sim.object_reading().position[:2]
        return (outcome, min(forces), max(heights) - monitor.rest_height, others,
                float(np.linalg.norm(monitor.carried_xy - spot)),
                float(np.linalg.norm(end_xy - spot)))


def test_a_cup_carried_low_clear_of_the_table_onto_the_spot_is_put_down():
    """A cup carried in the hand 5 cm across, 0.5 cm above its rest, is not put down.

    Input (seed 900000, cup, pybullet): the clean expert's grasp and lift, over a point 5 cm
    before the place spot, down to the hand 1.5 cm above the grasp height (the cup's centre
    0.5 cm above its rest: clear of the table), then straight across to the spot at that height
    (4 s), open, rise 15 cm. Both fingers press with more than 30 N the whole way across and the
    cup touches nothing but the robot. What happened: placed 0.6 mm from the spot, success no:
    ``carried_xy`` stayed where the descent passed ``height_tolerance`` (1 cm), 5.0 cm from the
    spot (> ``max_put_down_shift`` 3 cm): counted as pushed. What should happen: success; the
    cup was carried there in the hand, off the table (the expert itself lowers to 1 cm, so a
    planner's last move can well be a low sideways one). ``SuccessMonitor._watch`` /
    ``held_off_table`` should test "not on the table" (no contact but the hand), not a height.
    """
    outcome, min_force, top, others, carried_to_spot, end = _carry_low_onto_spot(0.015)
    assert min_force > 5.0 and others == 0  # in the hand, touching nothing else, all the way
    assert 0.0 < top < 0.01  # low: within height_tolerance of its rest, yet off the table
    assert outcome.placed and end < 0.01
    assert carried_to_spot < 0.01, f"carried_xy stayed {carried_to_spot * 100:.1f} cm back"
    assert outcome.success, "a cup carried low in the hand onto the spot counted as pushed"


def _disconnecting(sim, *args, **kwargs):
    """Stand in for ``run_task``: disconnect ``sim``'s physics client, raise what pybullet does."""
    p.disconnect(physicsClientId=sim.client)
    raise p.error("Not connected to physics server.")


def test_a_crash_that_disconnects_the_simulator_does_not_end_run_in_a_traceback(
        tmp_path, monkeypatch, capsys):
    """``vjepa-ros run --episodes 3``: episode 1 crashes and leaves pybullet disconnected.

    Input: ``vjepa-ros run --task grasp --world-model oracle --size 32 --episodes 3 --seed
    900000 --max-steps 1`` with the first ``run_task`` disconnecting the physics client and
    raising ``pybullet.error("Not connected to physics server.")`` (what any pybullet call on a
    lost server raises; a GUI window closed mid-run does it). What happened: ``seed 900000:
    crashed (...)`` is printed, then episode 2's ``setup_task`` -> ``sim.reset`` raises
    ``pybullet.error`` out of ``run_episodes`` and ``cmd_run`` (which catches only
    KeyboardInterrupt, OSError, ValueError, RuntimeError): a traceback, no totals. What should
    happen: status 1 in one line or with the remaining seeds counted as failed (a dead
    simulator named as such), never a traceback.
    """
    import vjepa_ros.sim.task_run as task_run
    from vjepa_ros.cli import main

    monkeypatch.setattr(task_run, "run_task", _disconnecting)
    status = main(["run", "--task", "grasp", "--world-model", "oracle", "--size", "32",
                   "--episodes", "3", "--seed", str(SEED), "--max-steps", "1", "--out",
                   str(tmp_path)])
    text = "".join(capsys.readouterr())
    assert f"seed {SEED}: crashed (error: Not connected to physics server.)" in text
    assert status == 1
    # fix53h: the seeds left are one line, not run, and failures in the totals
    assert f"seeds {SEED + 1}..{SEED + 2}: not run (the simulator's physics server" in text
    assert "total: success 0/3 (0%): no episode ran (1 episode(s) crashed (counted as " \
        "failures); 2 seed(s) not run" in text
    assert "Traceback" not in text and "episode 2/3" not in text


def test_the_benchmark_runs_no_episode_on_a_simulator_a_crash_disconnected(
        tmp_path, monkeypatch, capsys):
    """fix53h: the benchmark's episodes after a crash that lost pybullet are not run, status 1.

    ``--agents oracle random --seeds 2 --tasks grasp --objects cup`` with the first
    ``run_task`` disconnecting the physics client: one ``# crashed:`` line naming the agent,
    one line saying the simulator is lost, the oracle's row ``crashed 1 ..., not run 1``, the
    random agent's ``not run 2``, JSON rows marked ``not_run``, the table and JSON written,
    then status 1 (no traceback).
    """
    import vjepa_ros.sim.task_run as task_run

    monkeypatch.setattr(task_run, "run_task", _disconnecting)
    bench = load_benchmark("bench_manipulation", "f53h")
    monkeypatch.setattr(sys, "argv", [
        "bench_manipulation.py", "--agents", "oracle", "random", "--seeds", "2", "--tasks",
        "grasp", "--objects", "cup", "--max-steps", "1", "--size", "32", "--seed-start",
        str(SEED), "--json", str(tmp_path / "rows.json")])
    status = bench.main()
    out = capsys.readouterr().out
    assert out.count("# crashed:") == 1 and out.count("# simulator lost") == 1
    assert f"# crashed: oracle cup grasp seed {SEED}: error: Not connected" in out
    assert re.search(r"oracle\s+cup\s+grasp\s+0/2 .*crashed 1 \(seeds 900000\), not run 1 "
                     r"\(simulator lost\)", out)
    assert re.search(r"random\s+cup\s+grasp\s+0/2 .*, not run 2 \(simulator lost\)", out)
    assert (tmp_path / "rows.json").read_text().count('"not_run": true') == 3
    assert status == 1


def test_the_benchmark_exits_nonzero_when_its_episodes_crashed(tmp_path, monkeypatch, capsys):
    """``bench_manipulation.py`` whose every loop episode raised exits 0.

    Input: ``--agents oracle --seeds 2 --tasks grasp --objects cup --max-steps 1 --size 32
    --json rows.json`` with every ``run_task`` raising ``RuntimeError("CUDA error: ...")``.
    What happened: two ``# crashed:`` lines, the row ``0/2 ... crashed 2 (seeds 900000,
    900001)``, JSON rows with ``crashed``, and ``main()`` returns 0. What should happen: a
    nonzero status (``vjepa-ros run`` returns 1 for a single crashed episode,
    ``run_command.cmd_run``), so a script or CI job sees that the benchmark did not run.
    """
    import vjepa_ros.sim.task_run as task_run

    def crashing(*args, **kwargs):
        raise RuntimeError(CUDA)

    monkeypatch.setattr(task_run, "run_task", crashing)
    bench = load_benchmark("bench_manipulation", "b53h")
    monkeypatch.setattr(sys, "argv", [
        "bench_manipulation.py", "--agents", "oracle", "--seeds", "2", "--tasks", "grasp",
        "--objects", "cup", "--max-steps", "1", "--size", "32", "--seed-start", str(SEED),
        "--json", str(tmp_path / "rows.json")])
    status = bench.main()
    out = capsys.readouterr().out
    assert re.search(r"oracle\s+cup\s+grasp\s+0/2 .*crashed 2 \(seeds 900000, 900001\)", out)
    assert '"crashed": "RuntimeError: CUDA error' in (tmp_path / "rows.json").read_text()
    assert status != 0, "every episode crashed and the benchmark exited 0"


def test_the_totals_of_crashed_episodes_only_do_not_speak_of_skipped_seeds():
    """``--episodes 2`` whose both episodes crashed: the totals speak of 0 skipped seeds.

    Input: ``task_run.format_totals([], skipped=0, crashed=2)``. What happened: ``total:
    success 0/2 (0%): no episode ran (0 seeds skipped: no sub-goal images; 2 episode(s)
    crashed (counted as failures))``. What should happen: no skip clause when none was
    skipped (as the line with runs leaves ``skipped_text`` out at 0): ``no episode ran (2
    episode(s) crashed ...)``.
    """
    from vjepa_ros.sim.task_run import format_totals

    line = format_totals([], 0, 2)
    assert line.startswith("total: success 0/2 (0%)")
    assert "2 episode(s) crashed" in line
    assert "skipped" not in line, line


def test_a_crash_without_a_message_is_named_without_a_dangling_colon():
    """``crash_text`` of an exception with no message ends in ':'.

    Input: ``run_command.crash_text(MemoryError())`` (what Python raises when an allocation
    fails outside numpy and torch; an ``assert`` raises AssertionError() likewise). What
    happened: ``'MemoryError:'``, so ``run`` prints ``seed S: crashed (MemoryError:); counted as
    a failure`` and the benchmark's JSON row says ``"crashed": "MemoryError:"``. What should
    happen: ``'MemoryError'`` (the type alone when there is no message).
    """
    from vjepa_ros.sim.run_loop import crash_text

    assert crash_text(KeyError("x")) == "KeyError: 'x'"  # with a message: as it is
    assert crash_text(MemoryError()) == "MemoryError"


def _box_set_down_before_the_spot(sim, back: float = 0.10):
    """Grasp the box (the clean expert) and set it down ``back`` m before the place spot.

    Returns (setup, monitor, the unit x-y direction to the spot, the expert, the box's reading
    after the expert's retreat).
    """
    from vjepa_ros.sim.expert import Expert, ExpertConfig

    setup = setup_task(sim, SEED, "pick-and-place", subgoal_images=False)
    monitor = SuccessMonitor(sim)
    start = sim.object_reading().position
    direction = (setup.place_xy - start[:2]) / np.linalg.norm(setup.place_xy - start[:2])
    expert = Expert(sim, ExpertConfig().clean(), np.random.default_rng(0), record=False)
    assert expert.grasp() and expert.place(setup.place_xy - direction * back)
    return setup, monitor, direction, expert, sim.object_reading()


def _across(sim, state, end):
    """Move the hand from ``state`` to ``end`` [3] in 40 steps of 0.1 s (``state`` follows).

    Returns the weaker finger's force [N] and the object's centre height [m] at each step (two
    [40] arrays), and the steps it touched a body but the robot (the table).
    """
    low, forces, heights, touching = state[:3].copy(), [], [], 0
    for k in range(1, 41):
        state[:3] = low + (end - low) * k / 40
        sim.set_target_state(state)
        sim.advance(0.1)
        reading = sim.object_reading()
        forces.append(float(reading.finger_forces.min()))
        heights.append(float(reading.position[2]))
        touching += any(c[2] != sim.handles.robot for c in p.getContactPoints(
            bodyA=sim.handles.graspable, physicsClientId=sim.client))
    return np.array(forces), np.array(heights), touching


def _open_up_and_outcome(sim, setup, monitor, state, wait: float = 1.0):
    """Open the hand (``wait`` s; 0: it stays as it is), raise it 15 cm; return the outcome."""
    if wait:
        state[6] = 0.0
        sim.set_target_state(state)
        sim.advance(wait)
    state[2] += 0.15
    sim.move_to(state)
    sim.advance(0.5)
    return task_outcome(sim, setup, monitor=monitor)


def test_a_box_dragged_along_the_table_in_the_closed_fingers_is_not_put_down():
    """Pin (fix53h): held by both fingers but sliding on the table is a push, not a carry.

    The box set down 10 cm before the spot, gripped again where it stands (hand 1 cm above the
    grasp height, no lift) and dragged to the spot (4 s), opened, the hand up 15 cm. Both
    fingers press (> 5 N) all the way and the box touches the table at every step; it tips on
    its edge as it slides (its centre up to 1.1 cm above rest: the old height rule read those
    moments as held off the table and counted this drag as put down). It ends placed on the
    spot, not put down: ``carried_xy`` stays where the expert set it down.
    """
    with Sim(manipulation_sim_config(SEED, "box", 32, 32)) as sim:
        setup, monitor, _, _, box = _box_set_down_before_the_spot(sim)
        set_down = monitor.carried_xy.copy()
        state = sim.target_state()  # over the box, after the expert's retreat
        state[:2] = box.position[:2]
        sim.move_to(state)
        state[2] = box.position[2] + 0.01
        sim.move_to(state)
        state[6] = 1.0
        sim.set_target_state(state)
        sim.advance(1.0)
        forces, _, touching = _across(sim, state, np.r_[setup.place_xy, state[2]])
        outcome = _open_up_and_outcome(sim, setup, monitor, state)
        assert min(forces) > 5.0 and touching == 40  # gripped, and on the table, all the way
        assert outcome.placed and not outcome.success
        assert np.allclose(monitor.carried_xy, set_down)


@pytest.mark.parametrize("turned", [False, True], ids=["along-5cm", "along-7cm"])
def test_a_box_pushed_by_the_closed_fingers_onto_the_spot_is_not_put_down(turned):
    """Pin (breaker53h's scratch scan, kept by fix53h): a push by closed fingers is no carry.

    The box set down 10 cm before the spot, turned square to the push (its 5 cm or its 7 cm
    side first), pushed onto the spot by the closed fingers 2 cm above its centre, hand up
    15 cm. It slides on the table all the way and ends placed, not put down: ``carried_xy``
    stays where the expert set it down.
    """
    with Sim(manipulation_sim_config(SEED, "box", 32, 32)) as sim:
        setup, monitor, direction, expert, box = _box_set_down_before_the_spot(sim)
        set_down = monitor.carried_xy.copy()
        heading = float(np.arctan2(direction[1], direction[0]))
        p.resetBasePositionAndOrientation(
            sim.handles.graspable, box.position,
            p.getQuaternionFromEuler([0.0, 0.0, heading + (np.pi / 2 if turned else 0.0)]),
            physicsClientId=sim.client)
        half = 0.035 if turned else 0.025
        behind = box.position[:2] - direction * (half + 0.03)
        state = expert.pose(np.r_[behind, box.position[2] + 0.12], heading)
        state[6] = 1.0
        sim.move_to(state)
        state[2] = box.position[2] + 0.02
        sim.move_to(state)
        _, _, touching = _across(sim, state, np.r_[setup.place_xy - direction * half, state[2]])
        outcome = _open_up_and_outcome(sim, setup, monitor, state, wait=0.0)
        assert touching == 40
        assert outcome.placed and not outcome.success
        assert np.allclose(monitor.carried_xy, set_down)


def _listing(names, starts=None):
    """Return a parsed metadata.yaml listing ``names``; ``starts``: their start times [ns]."""
    bag = {"relative_file_paths": names}
    if starts is not None:
        bag["files"] = [{"path": name, "starting_time": {"nanoseconds_since_epoch": start}}
                        for name, start in zip(names, starts, strict=True)]
    return {"rosbag2_bagfile_information": bag}


def test_read_order_pins():
    """Pin: ``read_order`` puts one recording's parts in part order, else by start time."""
    from vjepa_ros.recordings.recorded_files import read_order

    text = ["bag_0.mcap", "bag_1.mcap", "bag_10.mcap", "bag_2.mcap"]  # no files entries
    assert read_order(_listing(text)) == [0, 1, 3, 2]
    zstd = ["bag_2.mcap.zstd", "bag_0.mcap.zstd", "bag_1.mcap.zstd"]  # compressed parts
    assert read_order(_listing(zstd)) == [1, 2, 0]
    two = ["b_0.mcap", "a_1.mcap", "a_0.mcap", "b_1.mcap"]  # two recordings: by time
    assert read_order(_listing(two, [30, 20, 10, 40])) == [2, 1, 0, 3]
    mixed = ["bag_1.mcap", "extra.mcap", "bag_0.mcap"]  # a non-part file among parts
    assert read_order(_listing(mixed, [20, 30, 10])) == [2, 0, 1]
    assert read_order(_listing(mixed)) == [0, 1, 2]  # no times: as listed
    assert read_order(_listing(["sub/bag_1.mcap", "sub/bag_0.mcap"])) == [1, 0]


def test_helper_frame_ids_start_with_defaults_take_a_leading_slash_and_refuse_empty():
    """Pin: every helper node config starts with its defaults; '/x' taken, '' refused."""
    from vjepa_ros.config import check_values
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig
    from vjepa_ros.nodes.sim_node import SimNodeConfig
    from vjepa_ros.robot.camera import CameraConfig

    for config in (SimNodeConfig(), CameraConfig(), ImagePublisherConfig()):
        check_values(config)
    CameraConfig(frame_id="/camera_color_optical_frame")
    with pytest.raises(ValueError, match="frame_id must be a non-empty ROS frame id"):
        CameraConfig(frame_id="")
    for field in ("base_frame", "camera_frame_id"):
        check_values(SimNodeConfig(**{field: "/panda_link0"}))
        with pytest.raises(ValueError, match=f"{field} must be a (non-empty )?ROS frame id"):
            check_values(SimNodeConfig(**{field: ""}))


@pytest.mark.parametrize("base", ["panda_link0", "/panda_link0"])
def test_the_sims_parse_pose_takes_either_spelling_of_its_base_frame(base):
    """Pin: ``SimRunner.parse_pose`` takes '', 'panda_link0', '/panda_link0'; refuses 'world'."""
    from vjepa_ros.sim.runner import CommandError, RunnerConfig, SimRunner

    runner = SimRunner.__new__(SimRunner)  # parse_pose reads only its config
    runner.config = RunnerConfig(base_frame=base)
    for frame in ("", "panda_link0", "/panda_link0"):
        position, rotation = runner.parse_pose([0.4, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], frame)
        assert np.allclose(position, [0.4, 0.0, 0.3]) and rotation.shape == (3, 3)
    with pytest.raises(CommandError, match="frame 'world'"):
        runner.parse_pose([0.4, 0.0, 0.3], [1.0, 0.0, 0.0, 0.0], "world")
