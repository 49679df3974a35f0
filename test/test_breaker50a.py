"""breaker50a: manipulation success detectors, ``vjepa-ros run --task``, the benchmark.

Attacked at main cf18ea29: ``vjepa_ros/sim/detectors.py`` (``is_grasped``, ``is_placed``,
``SuccessMonitor``), ``sim/manipulation.py`` (``task_outcome``: pick-and-place = placed at the end
and ``grasped_seen``), ``sim/task_run.py`` (``format_totals``, the per-step lines),
``sim/run_command.py`` (``vjepa-ros run --task`` options), ``benchmarks/bench_manipulation.py``
(``main``'s agent keys, ``summarize_*``), ``benchmarks/bench_subgoal_switching.py``
(``make_waypoints``), the seeds of ``scripts/collect_manipulation_episodes.sh``
and ``scripts/make_demo_model.sh``. States were set with pybullet directly (CPU, DIRECT, 32 px).
Earlier rounds (breaker40, 42e, 43e, 43l, 44f, 44y) are not repeated.

Defects (strict xfails until fix50a fixed them):

1. Pick-and-place counts a cup that was grasped once and then *pushed* onto the spot: the
   grasp latch (``grasped_seen``) is satisfied by any grasp anywhere in the episode, so a cup
   lifted 6 cm, set back down near its start, released and then shoved 18 cm along the table
   onto the spot is a success (breaker42e's push, one lift earlier).
2. ``bench_manipulation.py --checkpoint runs/a/world_model.pt --checkpoint
   runs/b/world_model.pt`` (every ``vjepa-ros train`` writes ``<out>/world_model.pt``): both
   agents are keyed by the file's base name, so the table prints two rows with one label and
   ``--json`` keeps only the second model's rows (and the rule comparison only its table).
3. ``vjepa-ros run --episodes N`` totals drop a seed without sub-goal images from the
   denominator: 1 success and 1 skipped seed prints ``success 1/1 (100%)``, where the benchmark
   counts the same seed as a failure (``1/2 50%``).
4. An object resting upside down on the spot is not placed: the cup (solid uniform cylinder) and
   the box (uniform 5 x 7 x 6 cm) flipped 180 degrees look and rest exactly as upright ones, but
   ``tilt_deg`` 180 > ``max_tilt_deg`` says not placed.
5. ``bench_subgoal_switching.py`` (fixed steps vs the energy rule, README's measured comparison):
   ``make_waypoints`` draws from ``default_rng(seed)``, the stream that placed the coloured
   objects: on 7 of its 10 default seeds the first waypoint is a copy of an object's pose
   (breaker42e's reach-goal defect, fixed in ``reach_target`` only).
6. ``bench_manipulation.probe_placed``, the truth of the README's "detectors agree with a
   physics probe" column, ignores the tilt: a box lying on its side on the spot is placed to the
   probe (0.5 cm low, within its 1 cm) and not to the detector, so that column would count the
   detector's right verdict as a disagreement.

Held up (pins below): the place radius at its boundary (4.9 cm yes, 5.1 cm no, cup and box); a
cup sliding across the spot is not placed until it stops; an object tossed into the air
(lifted, no fingers) is never grasped; an object off the table is neither grasped nor placed;
``run --task`` step lines and row say what the scene was (reach-with-object, oracle; a box
pick-and-place with dense sub-goals run by hand: hand-object, object height and spot distances
follow the motion, the strip and GIF are written where it says); a weak grasp (GripperCommand
1 N) that slips 3 cm in the fingers but holds is grasped, 0.8 N (the cup stays) is not; the same
seed's sub-goal images and place spot are bit-identical after another episode in one Sim;
every ``run --task`` bad value tried (task names/case, ``--subgoals``, counts,
seeds past 2**32, ``--dense-steps`` counts, ``--device`` with the oracle, a missing model,
``--out`` in /proc, the energy rule on one goal) ends with one line and status 2 or 1; the
held-out seeds 900000.. are disjoint from the collection seeds (0..2079, 3000.., 4000..,
6000..6079) and the demo model's (0..399, 100000..100039).
"""

import sys
import types

import numpy as np
import pybullet as p
import pytest
from sim_push import push_onto_spot

from conftest import load_benchmark
from vjepa_ros.sim import Sim
from vjepa_ros.sim.detectors import SuccessMonitor
from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task, task_outcome

SEED = 900000


def _load_bench(name: str = "bench_manipulation"):
    """Import ``benchmarks/<name>.py`` as a module of its own."""
    return load_benchmark(name, "b50a")


def _pick_and_place(kind: str):
    sim = Sim(manipulation_sim_config(SEED, kind, 32, 32))
    setup = setup_task(sim, SEED, "pick-and-place", subgoal_images=False)
    return sim, setup, SuccessMonitor(sim)


def _put(sim, monitor, xy, quaternion=(0, 0, 0, 1), velocity=(0, 0, 0), z=None,
         settle: float = 0.5):
    """Set the graspable object's pose and velocity (pybullet), then let ``settle`` s pass."""
    z = monitor.rest_height if z is None else z
    p.resetBasePositionAndOrientation(sim.handles.graspable, [xy[0], xy[1], z], quaternion,
                                      physicsClientId=sim.client)
    p.resetBaseVelocity(sim.handles.graspable, velocity, [0, 0, 0], physicsClientId=sim.client)
    if settle:
        sim.advance(settle)


def test_a_cup_grasped_then_pushed_onto_the_spot_is_not_placed():
    """A cup grasped, put back down, released and then pushed onto the spot is a success.

    Input (seed 900000, cup): the open hand descends on the cup, closes, lifts it ~6 cm (the
    grasp detector holds: ``grasped_seen``), lowers it back near its start, opens and rises; the
    closed hand then goes down beside the cup and pushes it ~18 cm along the table onto the spot
    (never lifted during the push), and rises. What happened: ``task_outcome`` says success
    (placed and grasped during the episode). What should happen: not a success: the cup
    arrived at the spot by being pushed, as in breaker42e's test; a lab's planner that closes
    once on the cup, opens, and then sweeps it along the table (docs/manipulation.md: "a finger
    ... pushes the cup") scores a pick-and-place. The grasp that counts should be the one that
    brought the object to the spot (e.g. the object left the hand within a few cm of the spot
    and above it, or no push after the last release).
    """
    sim, setup, monitor = _pick_and_place("cup")
    with sim:
        cup = sim.object_reading().position.copy()
        spot = setup.place_xy
        state = sim.ee_state()
        state[6] = 0.0
        # over the cup, down on it, close, lift 7 cm, down to 1.2 cm above, open, up 15 cm
        for height, closedness in ((0.08, 0.0), (0.0, 0.0), (0.0, 1.0), (0.07, 1.0),
                                   (0.012, 1.0), (0.012, 0.0), (0.162, 0.0)):
            if closedness != state[6]:  # the hand opens or closes where it is (1 s)
                state[6] = closedness
                sim.set_target_state(state)
                sim.advance(1.0)
                continue
            state[:3] = cup + [0.0, 0.0, height]
            sim.move_to(state)
            if height == 0.07:
                assert monitor.grasped()  # lifted and held: the latch is set here
        released = sim.object_reading().position.copy()
        assert abs(released[2] - monitor.rest_height) < 0.005  # standing on the table
        assert np.linalg.norm(released[:2] - spot) > 0.15  # far from the spot
        lifted, grasped = push_onto_spot(sim, monitor, released[:2], spot)
        final = sim.object_reading().position
        assert not lifted and not grasped  # the last 15+ cm were a push along the table
        assert np.linalg.norm(final[:2] - released[:2]) > 0.1
        outcome = task_outcome(sim, setup, monitor=monitor)
    assert not outcome.success, "a cup pushed onto the spot after a grasp elsewhere counted"


def test_two_checkpoints_with_one_file_name_keep_their_own_rows(tmp_path, monkeypatch):
    """Two ``--checkpoint`` files named alike are one agent in the benchmark's results.

    Input: ``bench_manipulation.py --agents --checkpoint runs/a/world_model.pt --checkpoint
    runs/b/world_model.pt --objects cup --tasks reach-with-object --seeds 1 --size 32 --json
    F`` (each ``vjepa-ros train --out DIR`` writes ``DIR/world_model.pt``, so comparing two
    training runs is exactly this; the models are the oracle here, loaded in place of the
    files, to keep it seconds). What happened: the table prints two rows both labelled
    ``world_model.pt`` and ``F`` holds one key, ``world_model.pt/cup/reach-with-object/steps``:
    the first model's rows were overwritten by the second's (the ``--subgoal-rule steps
    energy`` comparison likewise shows one). What should happen: each checkpoint keeps its own
    rows and label (e.g. its path, or a suffix for a repeated name).
    """
    import json

    from vjepa_ros.sim import oracle as oracle_module

    bench = _load_bench()
    extra = []

    def load(spec, device=None, option="--checkpoint"):
        model = oracle_module.OracleWorldModel()
        model.img_size = None  # no image size note
        extra.append(model)
        return model

    attach = oracle_module.OracleWorldModel.attach

    def attach_all(self, sim):  # the benchmark attaches its own oracle; attach ours with it
        for model in extra:
            if model is not self:
                attach(model, sim)
        return attach(self, sim)

    monkeypatch.setattr(bench, "load_run_model", load)
    monkeypatch.setattr(oracle_module.OracleWorldModel, "attach", attach_all)
    out = tmp_path / "rows.json"
    monkeypatch.setattr(sys, "argv", [
        "bench_manipulation.py", "--agents", "--checkpoint", "runs/a/world_model.pt",
        "--checkpoint", "runs/b/world_model.pt", "--objects", "cup", "--tasks",
        "reach-with-object", "--seeds", "1", "--size", "32", "--json", str(out)])
    assert bench.main() == 0
    results = json.loads(out.read_text())
    assert len(extra) == 2
    assert len(results) == 2, f"one key for two checkpoints: {sorted(results)}"


def _run(success: bool, placed: bool | None = None):
    """Return a stand-in for a ``TaskRun``: what ``format_totals`` reads."""
    outcome = types.SimpleNamespace(success=success, placed=placed)
    return types.SimpleNamespace(outcome=outcome, grasped_during=success,
                                 end_kind="success detected" if success else "step budget spent",
                                 steps=[None] * 10, episode=types.SimpleNamespace(sim_seconds=5.0),
                                 wall_s=1.0)


def test_run_totals_count_a_skipped_seed_as_a_failure():
    """``vjepa-ros run --episodes 2``: seed A skipped (no sub-goal images), seed B a success.

    What happened: the last line reads ``total: success 1/1 (100%), grasped during 1/1; ...;
    1 seed(s) skipped (no sub-goal images)``: 100 % of the seeds asked for. The benchmark
    (``bench_manipulation.py``, README "Counting") scores the very same seeds ``1/2 50%``: a
    seed without sub-goal images is a failure of every agent. What should happen: the run's
    rate over every seed asked for (``1/2 (50%)``), as the benchmark's, so the two tools' rates
    on the same seeds agree.
    """
    from vjepa_ros.sim.task_run import format_totals

    line = format_totals([_run(True)], skipped=1)
    assert "success 1/2 (50%)" in line, line


@pytest.mark.parametrize("kind", ["cup", "box"])
def test_an_object_standing_upside_down_on_the_spot_is_placed(kind):
    """An object flipped 180 degrees, at rest on its end face at the spot, is not placed.

    Input: the seed's cup or box set (pybullet) on the place spot upside down (roll pi), let
    settle 0.5 s: at rest (speed ~0), its centre at its resting height (within 0.1 mm), out of
    the hand. What happened: ``placed`` is False: ``tilt_deg`` is 180 and ``max_tilt_deg`` is
    10. What should happen: placed: the simulated cup is a solid cylinder of one colour and the
    box a uniform 5 x 7 x 6 cm block, both symmetric under that flip, so the scene is the same
    as an upright placement to a person looking at it and to the camera (the probe in
    ``bench_manipulation.py`` says placed too); "upright" should be the up axis within
    ``max_tilt_deg`` of either vertical for these objects.
    """
    sim, setup, monitor = _pick_and_place(kind)
    with sim:
        _put(sim, monitor, setup.place_xy, p.getQuaternionFromEuler([np.pi, 0.0, 0.3]))
        reading = sim.object_reading()
        assert abs(reading.position[2] - monitor.rest_height) < 1e-3
        assert np.linalg.norm(reading.linear_velocity) < 1e-3
        assert monitor.placed(setup.place_xy)


# -- what held up ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["cup", "box"])
def test_the_place_radius_boundary_and_a_sliding_object(kind):
    """Pin: 4.9 cm from the spot at rest is placed, 5.1 cm is not; sliding is not placed.

    The object slides at 0.3 m/s from 5 cm before the spot: not placed while it moves faster
    than ``max_speed`` (0.02 m/s), placed once it has stopped within the radius.
    """
    sim, setup, monitor = _pick_and_place(kind)
    spot = setup.place_xy
    with sim:
        _put(sim, monitor, spot + [0.049, 0.0])
        assert monitor.placed(spot)
        _put(sim, monitor, spot + [0.0, -0.051])
        assert not monitor.placed(spot)
        _put(sim, monitor, spot - [0.05, 0.0], velocity=(0.3, 0.0, 0.0), settle=0)
        verdicts = []
        for _ in range(60):
            sim.step(1)
            reading = sim.object_reading()
            verdicts.append((monitor.placed(spot), float(np.linalg.norm(reading.linear_velocity))))
        assert not any(placed for placed, speed in verdicts if speed >= 0.02)
        assert verdicts[-1][0]


@pytest.mark.parametrize("kind", ["cup", "box"])
def test_tossed_or_fallen_objects_are_neither_grasped_nor_placed(kind):
    """Pin: a tossed object is never grasped; one off the table is neither grasped nor placed.

    Thrown up past 5 cm above its rest with no finger on it; then set beyond the table's edge.
    """
    sim, setup, monitor = _pick_and_place(kind)
    spot = setup.place_xy
    with sim:
        _put(sim, monitor, spot, velocity=(0.0, 0.0, 1.5), z=monitor.rest_height + 0.06,
             settle=0)
        heights = []
        for _ in range(120):
            sim.step(1)
            heights.append(sim.object_reading().position[2] - monitor.rest_height)
            assert not monitor.grasped()
        assert max(heights) > 0.1
        assert not monitor.grasped_seen
        _put(sim, monitor, [0.5, 1.5], z=monitor.rest_height + 0.05, settle=2.0)
        assert sim.object_reading().position[2] < sim.config.scene.table_height - 0.1
        assert not monitor.grasped() and not monitor.placed(spot)
        assert not task_outcome(sim, setup, monitor=monitor).success


def test_switching_benchmark_waypoints_do_not_copy_an_object_pose(monkeypatch):
    """The fixed-steps vs energy benchmark's first waypoint copies a coloured object's pose.

    Input: ``python benchmarks/bench_subgoal_switching.py --seeds 10`` (seeds 900000..900009, the
    README's "measured" comparison of the switching rules). ``make_waypoints`` draws waypoint A
    with ``np.random.default_rng(seed)``, the generator ``Sim.reset(seed)`` placed the three
    coloured objects with: on 7 of the 10 seeds waypoint A's (x, y, z) uniforms are exactly one
    object's (x, y, yaw) uniforms, so the hand's first sub-goal hovers over a coloured object
    (seed 900009: waypoint (0.368, -0.051) m, a cube at (0.371, -0.062) m) and its height is
    that object's yaw. breaker42e found this for ``bench_reach.py``; the fix
    (``reach.reach_target``: ``default_rng([seed, REACH_GOAL_STREAM])``) was not applied here.
    What should happen: the waypoints from a stream of their own, independent of the scene.
    """
    import vjepa_ros.sim as sim_package
    from vjepa_ros.sim.config import SceneConfig
    from vjepa_ros.sim.scene import object_placements
    from vjepa_ros.sim.tasks import ReachTaskConfig

    bench = _load_bench("bench_subgoal_switching")
    monkeypatch.setattr(sim_package, "capture_goal", lambda sim, state: state)
    start = np.array([0.307, 0.0, 0.487, np.pi, 0.0, 0.0, 0.0])  # the home TCP
    home = types.SimpleNamespace(ee_state=lambda: start.copy())
    scene, task = SceneConfig(), ReachTaskConfig()  # reach_sim_config's scene, the default task
    low, high = np.array(task.workspace[::2]), np.array(task.workspace[1::2])
    x0, x1, y0, y1 = scene.object_region
    copies = []
    for seed in range(900000, 900010):
        drawn = (bench.make_waypoints(home, seed, 3)[0][:3] - low) / (high - low)
        for x, y, _, yaw in object_placements(scene, np.random.default_rng(seed)):
            uniforms = [(x - x0) / (x1 - x0), (y - y0) / (y1 - y0), (yaw + np.pi) / (2 * np.pi)]
            if np.allclose(uniforms, drawn, atol=1e-9):
                copies.append(seed)
    assert copies == [], f"first waypoints that copy a coloured object's pose: {copies}"


def test_run_task_step_lines_match_the_scene():
    """Pin: reach-with-object with the oracle (32 px): each step line says what the scene was.

    Step 1 is planned with the object already held and lifted (the task's start): ``held`` yes,
    ``obj up`` >= 5 cm; the row's success, grasped and ``reach_error_m`` are the detectors' on
    the final scene, and the summary says the same.
    """
    from vjepa_ros.sim.choices import task_cem
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach import reach_error
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.sim.task_run import run_task

    lines = []
    with Sim(manipulation_sim_config(SEED, "cup", 32, 32)) as sim:
        oracle = OracleWorldModel().attach(sim)
        setup = setup_task(sim, SEED, "reach-with-object")
        cem = task_cem("reach-with-object", load_reach_config().planner.to_cem(), False)
        run = run_task(sim, oracle, setup, cem, "cup", seed=0, say=lines.append)
        monitor = SuccessMonitor(sim)
        final_error = reach_error(sim.ee_state(), setup.goal_state)
        held_now = monitor.grasped()
    row = run.row()
    first = lines[1].split()
    assert first[0] == "1" and first[-1] == "yes"  # step 1, the grasp detector holds
    assert row["object_height_m"][0] >= 0.05
    assert row["success"] == (held_now and final_error <= setup.config.reach_radius)
    assert row["grasped"] == held_now
    assert row["reach_error_m"] == pytest.approx(final_error)
    assert ("SUCCESS" in run.summary()) == row["success"]
    assert len(lines) == 1 + row["steps"]


def test_the_benchmarks_place_probe_refuses_a_box_lying_on_its_side():
    """The benchmark's ground truth for "placed" calls a box lying on its side placed.

    Input: the seed's box set (pybullet) on the place spot lying on its 7 x 6 cm face (turned
    90 degrees about its 7 cm edge, the 5 cm edge now vertical), at rest, hand away; then
    ``probe_placed`` (the open hand rises 10 cm, 1 s passes). What happened: the probe says
    placed (it stayed put, its centre is 0.5 cm below its standing height, within the probe's
    1 cm, and within the radius), while the detector says not placed (tilted 90 degrees:
    detectors.py's own example of why the height alone does not tell). The README's "detectors
    agree with a physics probe" column counts such an episode as the detector's disagreement
    with the physics. What should happen: the probe (the truth the detector is scored against)
    refuses a tipped-over object as the detector does, so a disagreement means the detector
    erred.
    """
    from benchmarks.manipulation_episodes import probe_placed

    sim, setup, monitor = _pick_and_place("box")
    with sim:
        _put(sim, monitor, setup.place_xy, p.getQuaternionFromEuler([0.0, np.pi / 2, 0.0]),
             z=monitor.rest_height - 0.005)
        assert abs(sim.object_reading().position[2] - (monitor.rest_height - 0.005)) < 1e-3
        assert not monitor.placed(setup.place_xy)  # the detector: tipped over
        assert not probe_placed(sim, monitor, setup.place_xy)
