"""breaker59e: ``vjepa-ros run --task`` and its option/config surface (last attacked 57e, 57f).

Attacked at base59 (2b7ff011): ``sim/run_command.py`` (the options check), ``sim/camera_options``,
``sim/config.SimConfig.check``, ``sim/detectors.py`` and ``manipulation.task_outcome`` as the run
loop uses them, with the oracle world model, CPU, pybullet DIRECT, 32 px images.

Defect (fixed in fix59e, its tests now pass; see the docstring: input, what happened, what
should happen):
  #1 a camera shape every planner path refuses (long side > 4 x the short one,
     ``image_limits.MAX_ASPECT``) passes ``vjepa-ros run``'s option check and ``SimConfig.check``.

Held (passing tests below, or tried by hand): ``--size`` with ``--width``, ``--max-steps 0``,
``--episodes 0``, ``--topk`` = ``--samples``, ``--maxnorm 0``, ``--close-gripper`` past the
horizon, ``--gripper-round-threshold`` above the clip, the energy rule with both tests off,
``--dense-steps`` for reach-with-object or with a 0, ``--subgoal-gripper subgoal`` /
``--subgoal-axes subgoal`` with the paper's sub-goals, ``--out`` a file / under a file / empty:
each one line naming the option; the oracle's dense cup grasp (round threshold 0.1) is still
grasped 2 s after the success was detected, and its dense cup pick-and-place ends with the cup
upright at rest on the spot, out of the hand (seeds 900000-900003); the box pick-and-place's
``obj up 1.0 cm`` at its last step is the box still settling: it rests at its standing height
after.
"""

import pytest

pytest.importorskip("pybullet", reason="the simulator needs pybullet (pip install pybullet)")

SEED = 900000  # the first held-out seed (sim.choices.HELD_OUT_SEED_START)


def _run_args(*argv):
    from vjepa_ros.cli import build_parser

    return build_parser().parse_args(["run", "--task", "grasp", "--world-model", "oracle",
                                      *argv])


@pytest.mark.parametrize("size", [("33", "1000"), ("1024", "32"), ("32", "129")])
def test_run_refuses_a_camera_shape_the_planner_refuses_before_anything_runs(size):
    """#1: ``vjepa-ros run --task grasp --width 33 --height 1000`` (or 1024x32, 32x129).

    What happens: the options check (``run_command._checked_options`` → ``camera_size``) takes
    any width and height in 32..1024 px, alone; the simulator starts, the clean expert makes the
    sub-goal images, then the planner refuses every frame (``image_limits.image_size_problem``:
    long side more than 4 times the short one), so each episode ends at step 0 with "the safety
    filter held the arm", counted as the planner's failure in the totals, pictures saved, exit
    status 0 (measured: ``seed 900000 (cup, grasp): failure; ... 0 steps ... ended: the safety
    filter held the arm (the newest camera frame on image is 33x1000 px ...)``). The command's
    own docstring says every option is checked before anything runs. What should happen: a
    usage error naming --width/--height (and the 4:1 limit) before the simulator starts.
    """
    args = _run_args("--width", size[0], "--height", size[1])
    from vjepa_ros.sim.run_command import _checked_options

    with pytest.raises(ValueError, match="--width|--height"):
        _checked_options(args)


def test_sim_config_refuses_a_camera_shape_the_planner_refuses():
    """#1's family: a 33x1000 camera in ``SimConfig`` (``config/sim.yaml``, ``sim.launch.py``).

    Input: camera.width 33, camera.height 1000 in sim.yaml (or ``ros2 launch vjepa_ros
    sim.launch.py width:=33 height:=1000``; ``collect``'s frames).

    What happens: ``SimConfig.check`` checks each side against 32..1024 px alone, so the sim node
    starts and publishes frames every planner refuses (the arm is held forever; ``collect``
    records episodes no model can plan on). What should happen: ValueError naming
    camera.width/height and the 4:1 limit (``image_limits.MAX_ASPECT``), as for a goal image.
    """
    from vjepa_ros.sim.config import SimConfig

    config = SimConfig()
    config.camera.width, config.camera.height = 33, 1000
    with pytest.raises(ValueError, match="camera"):
        config.check()


def test_run_accepts_a_camera_shaped_image():
    """Pin for #1's fix: a 4:3 and a 16:9 camera pass the option check unchanged."""
    from vjepa_ros.sim.run_command import _checked_options

    for width, height in (("640", "480"), ("256", "144"), ("32", "128")):
        assert _checked_options(_run_args("--width", width, "--height", height))[3] == (
            int(width), int(height))


@pytest.mark.parametrize("argv, words", [
    (["--size", "64", "--width", "32"], "--size"),
    (["--max-steps", "0"], "--max-steps 0"),
    (["--episodes", "0"], "--episodes 0"),
    (["--samples", "10", "--topk", "10"], "--topk"),
    (["--maxnorm", "0"], "--maxnorm"),
    (["--close-gripper", "5"], "--close-gripper"),
    (["--gripper-round-threshold", "0.9"], "--gripper-round-threshold"),
    (["--subgoal-rule", "energy", "--subgoal-patience", "0"], "--subgoal-patience"),
    (["--subgoal-gripper", "subgoal"], "--subgoals dense"),
    (["--subgoal-axes", "subgoal"], "--subgoals dense"),
    (["--subgoals", "dense", "--dense-steps", "1", "1", "1", "1", "1", "0", "0", "0", "0"],
     "--dense-steps"),
])
def test_run_refuses_a_bad_option_in_one_line_naming_it(argv, words):
    """Held: each bad option is refused by the option check, before the simulator, naming it."""
    from vjepa_ros.sim.run_command import _checked_options

    with pytest.raises(ValueError) as caught:
        _checked_options(_run_args(*argv))
    message = str(caught.value)
    assert words in message and "\n" not in message


def test_an_oracle_cup_grasp_is_still_held_after_its_success():
    """Held: the cup grasp the run reports as SUCCESS is a real, lasting grasp.

    Cup, dense sub-goals, round threshold 0.1 (57e tried the box only: the cup never closes at
    0.25).
    After the episode ends on "success detected", 2 s more of physics with the hand's goal in
    force: the cup is still lifted >= 5 cm and pressed by both fingers with about the 20 N of
    ``control.gripper_max_effort``.
    """
    from vjepa_ros.sim import Sim
    from vjepa_ros.sim.detectors import SuccessMonitor
    from vjepa_ros.sim.manipulation import manipulation_sim_config, setup_task
    from vjepa_ros.sim.manipulation_loop import task_loop_config
    from vjepa_ros.sim.oracle import OracleWorldModel
    from vjepa_ros.sim.reach_config import load_reach_config
    from vjepa_ros.sim.task_run import run_task

    cem = load_reach_config(None, {"planner.gripper_round_threshold": 0.1}).planner.to_cem()
    with Sim(manipulation_sim_config(SEED, "cup", 32, 32)) as sim:
        model = OracleWorldModel().attach(sim)  # before the sub-goal images are rendered
        setup = setup_task(sim, SEED, "grasp", dense=True)
        run = run_task(sim, model, setup, cem, "cup", task_loop_config(None, None, True),
                       seed=SEED)
        assert run.outcome.success, run.summary()
        monitor = SuccessMonitor(sim)
        sim.step(2 * sim.config.physics_hz)
        reading = monitor.reading()
        assert monitor.grasped(), run.summary()
        assert reading.position[2] - monitor.rest_height >= 0.05
        assert min(reading.finger_forces) > 10.0

