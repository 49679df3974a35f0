"""``vjepa-ros camera-check`` on recorded bags: the offline check, its options and its errors.

Rotation estimation on synthetic motions, verdicts, reports and the parameter file:
``test_eval_camera_check_rotation.py``.
"""

import json
import shutil

import numpy as np
import pytest
from test_eval_camera_check_rotation import AXIS_MOTIONS

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_report import (
    PARAMS_FILE,
)
from vjepa_ros.eval.camera_check_result import Verdict
from vjepa_ros.eval.camera_check_thresholds import CheckThresholds
from vjepa_ros.yaml_files import read_ros_params

pytestmark = pytest.mark.usefixtures("one_thread")  # small torch work: 1 thread is fastest


# -- the offline check on a simulator bag, with the oracle told to misjudge the axes ----------

@pytest.fixture(scope="module")
def sim_bag(tmp_path_factory):
    """Record a 12-frame scripted simulator bag (64x64) with ``vjepa-ros record``."""
    pytest.importorskip("pybullet", reason="pybullet is in install_requires")
    from vjepa_ros.cli import main

    path = tmp_path_factory.mktemp("camcheck") / "bag"
    assert main(["record", str(path), "--frames", "12", "--width", "64", "--height", "64",
                 "--seed", "3"]) == 0
    return path


def _oracle_for(bag, rpy):
    """Return a rotated oracle that knows the bag's frames (rendered at its states)."""
    from vjepa_ros.recordings import read_recording
    from vjepa_ros.sim.oracle import OracleWorldModel

    recording = read_recording(bag)
    oracle = OracleWorldModel(model_frame_rpy_deg=rpy)
    frames = recording.load_frames(np.arange(len(recording.image_times)))
    # record writes a state at each frame's time among its 120 Hz ones: the frame's own
    at = np.searchsorted(recording.state_times, recording.image_times)
    assert (recording.state_times[at] == recording.image_times).all()
    for frame, state in zip(frames, recording.states[at], strict=True):
        oracle.remember(frame, state)
    return oracle


@pytest.mark.parametrize("yaw, verdict", [(0.0, Verdict.FINE), (60.0, Verdict.ROTATE),
                                          (-135.0, Verdict.ROTATE)])
def test_offline_check_on_a_sim_bag_recovers_the_oracles_yaw(sim_bag, yaw, verdict):
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.planning import preset

    result, report = check_bag(sim_bag, _oracle_for(sim_bag, (0, 0, yaw)),
                               preset("paper", samples=64, iterations=4, maxnorm=0.075))
    assert result.motions >= 6 and report["summary"]["steps_evaluated"] == 11
    assert abs((result.yaw_deg - yaw + 180) % 360 - 180) < 4.0, result.yaw_deg
    assert result.verdict == verdict
    if verdict == Verdict.ROTATE:
        assert abs((result.correction_rpy_deg[2] - yaw + 180) % 360 - 180) < 4.0


def test_camera_check_command_prints_the_verdict_and_writes_its_files(sim_bag, tmp_path,
                                                                      monkeypatch, capsys):
    import vjepa_ros.demo
    from vjepa_ros.cli import main

    oracle = _oracle_for(sim_bag, (0, 0, 90))
    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model",
                        lambda *args, **kwargs: (oracle, "rotated oracle (test)"))
    out = tmp_path / "check"
    assert main(["camera-check", str(sim_bag), "--checkpoint", "demo", "--out", str(out),
                 "--quiet", "--samples", "64", "--iterations", "4", "--maxnorm", "0.075",
                 "--seed", "5", "--fine-deg", "7.5", "--min-scale", "0.2"]) == 0
    printed = capsys.readouterr().out
    assert "CORRECT BY ROTATION" in printed and "rotated oracle (test)" in printed
    assert sorted(p.name for p in out.iterdir()) == ["camera_check.json", "camera_check.png",
                                                     PARAMS_FILE]
    params = read_ros_params(out / PARAMS_FILE, "vjepa_planner")
    # the model and search the correction came from, as the node reads them ('demo': its file)
    from vjepa_ros.config import from_dict
    from vjepa_ros.input_paths import world_model_path
    from vjepa_ros.planning import preset
    from vjepa_ros.robot.planner_config import PlannerNodeConfig

    demo = str(world_model_path("demo").resolve())
    assert params["model"]["checkpoint"] == demo
    config = from_dict(PlannerNodeConfig, params)  # loads as the node's parameters
    assert config.model.checkpoint == demo and config.planner.seed == 5
    assert config.planner.to_cem() == preset("paper", samples=64, iterations=4, maxnorm=0.075,
                                             horizon=1)
    assert f"plans with model.checkpoint {demo} and the check's search (cem, samples 64, " \
           "iterations 4, maxnorm 0.075)" in printed
    assert abs(params["control"]["model_frame_rpy_deg"][2] - 90) < 4
    verdict = params["camera_check"]["verdict"]  # the command line's thresholds reproduce
    assert (verdict["fine_deg"], verdict["min_scale"], verdict["max_residual_deg"]) == \
        (7.5, 0.2, 60.0)
    report = json.loads((out / "camera_check.json").read_text())  # what it checked
    assert report["check_of"] == {"recording": str(sim_bag.absolute()), "checkpoint": demo,
                                 "window_s": [0.0, 0.0]}
    assert report["headline"] == "CORRECT BY ROTATION"
    other = shutil.copytree(sim_bag, tmp_path / "other_bag")
    assert main(["camera-check", str(other), "--checkpoint", "demo", "--out",
                 str(out)]) == 1  # another recording's --out: refused, the check kept
    assert "of another recording" in capsys.readouterr().err
    assert read_ros_params(out / PARAMS_FILE, "vjepa_planner") == params


@pytest.mark.parametrize("option, message", [
    (["--horizon", "3"], "--horizon 3: the camera check infers each motion by a horizon-1"),
    (["--horizon", "0"], "--horizon 0: the camera check"),
    (["--min-motion", "0"], "--min-motion must lie in (0, 0.2], got 0.0"),
    (["--min-motion", "nan"], "--min-motion must lie in (0, 0.2], got nan"),
    (["--max-residual-deg", "-5"], "--max-residual-deg must be an angle in (0, 180) deg"),
    (["--min-explained", "0"], "--min-explained must be a fraction of the best-seen axis"),
    (["--min-explained", "2"], "--min-explained must be a fraction of the best-seen axis"),
    (["--fine-deg", "200"], "--fine-deg must be an angle in (0, 180) deg: a rotation turns by"),
    (["--min-scale", "3"], "--min-scale must be a fraction of the executed motion's length"),
    (["--max-scale", "1"], "--max-scale must lie in (1, 100], got 1.0"),
    (["--min-best-explained", "0"], "--min-best-explained must be a share of the frame change"),
    (["--rate", "0"], "--rate must be a step rate in 0.1..100 Hz (DROID: 4), got 0"),
    (["--rate", "inf"], "--rate must be a step rate in 0.1..100 Hz (DROID: 4), got inf"),
    (["--max-steps", "-1"], "--max-steps must be >= 0, got -1"),
    (["--samples", "4", "--topk", "8"], "--topk"),
    (["--refine-lr", "0.1"], "--refine-lr does nothing"),
])
def test_camera_check_options_are_checked_before_the_bag_or_model_is_loaded(
        option, message, tmp_path, monkeypatch, capsys):
    import vjepa_ros.demo
    import vjepa_ros.recordings.bags
    from vjepa_ros.cli import main

    def loaded(*args, **kwargs):
        raise AssertionError("loaded before the options were checked")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    monkeypatch.setattr(vjepa_ros.recordings.bags, "read_recording", loaded)
    out = tmp_path / "never"
    # an option refused (a value out of range, one the search would not use): a usage error
    assert main(["camera-check", str(tmp_path / "bag"), "--out", str(out), *option]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: ") and message in err and "\n" not in err
    assert not out.exists()


def test_camera_check_refuses_a_planner_file_section_for_no_planner(tmp_path, capsys):
    """The written file would start from the planner's defaults, not the user's values."""
    from vjepa_ros.cli import main

    params = tmp_path / "wrongnode.yaml"
    params.write_text("/**:\n  ros__parameters:\n    planner: {samples: 64}\n"
                      "vjepa_planer:\n  ros__parameters:\n    control: {rate_hz: 2.0}\n")
    out = tmp_path / "never"
    assert main(["camera-check", str(tmp_path / "bag"), "--checkpoint", "demo", "--out", str(out),
                 "--params-file", str(params)]) == 2  # a usage error, as launch says it
    assert capsys.readouterr().err == (  # camera-check starts no node: it reads the planner's
        f"vjepa-ros camera-check: --params-file {params}: section 'vjepa_planer' applies to no "
        "node whose parameters camera-check reads (vjepa_planner); closest: 'vjepa_planner' — "
        "fix the name or use '/**'\n")
    assert not out.exists()


def test_camera_check_takes_horizon_1_and_searches_with_it():
    from vjepa_ros.cli import build_parser
    from vjepa_ros.eval.camera_check_command import checked_options

    for argv in ([], ["--horizon", "1"], ["--preset", "notebook"]):  # notebook: H 2 elsewhere
        args = build_parser().parse_args(["camera-check", "BAG", *argv])
        cem, thresholds, config = checked_options(args)
        assert cem.horizon == 1 and config.goal_offset == 1
        assert thresholds.min_motion_m == 0.01 and config.min_motion_m == 0.005


@pytest.mark.parametrize("args, message, status", [
    (["camera-check", "/nonexistent/bag"], "/nonexistent/bag", 1),
    (["camera-check", "BAG", "--fine-deg", "0"], "--fine-deg must be an angle in (0, 180)", 2),
    (["camera-check", "BAG", "--params-file", "/nonexistent/planner.yaml"], "planner.yaml",
     2),  # a usage error (config.UsageError), as launch's --params-file
])
def test_camera_check_command_errors_are_one_line_and_write_nothing(args, message, status,
                                                                    sim_bag, tmp_path, capsys):
    from vjepa_ros.cli import main

    out = tmp_path / "never"
    args = [str(sim_bag) if a == "BAG" else a for a in args] + ["--out", str(out),
                                                                "--checkpoint", "demo"]
    assert main(args) == status
    err = capsys.readouterr().err.strip()
    assert message in err and err.startswith("vjepa-ros camera-check:") and "\n" not in err
    assert not out.exists()


def test_motions_of_exactly_the_minimum_count_despite_float_rounding():
    """States 1 cm apart give motions a hair under 0.01 m (float32 bags, FK): they count."""
    executed = AXIS_MOTIONS / 4 * (1 - 1e-12)  # 1 cm along each axis, less float rounding
    assert (np.linalg.norm(executed, axis=1) < 0.01).all()
    result = check_motions(executed, executed, CheckThresholds(min_motion_m=0.01))
    assert result.motions == 6


@pytest.mark.parametrize("name", ["joint-states-split", "truncated-mcap"])
def test_a_field_bag_along_one_line_is_refused_before_any_planning(name):
    """The bag's states alone show the motions lie on one line: no model is ever called."""
    from conftest import SHARED_DATA
    from vjepa_ros.eval.camera_check_bag import check_bag
    from vjepa_ros.planning import preset

    class NoModel:
        def __getattr__(self, name):
            raise AssertionError(f"the model was used ({name}) before the motions were checked")

    bag = SHARED_DATA / "field" / name
    with pytest.raises(ValueError, match=f"^{bag}: camera check: the executed motions all lie "
                       "along one line") as refused:
        check_bag(bag, NoModel(), preset("paper"))
    # a bag: what to record, not "move the arm" (user30: the user has only the bag)
    assert str(refused.value).endswith(": record the arm moving along at least two axes (or "
                                       "run the live check, ~/camera_check, which moves it so)")


def test_motions_along_one_line_say_what_to_record_offline_and_how_to_move_live():
    from vjepa_ros.eval.camera_check_motions import usable_motions

    line = np.array([[0.02, 0, 0], [-0.02, 0, 0], [0.03, 0, 0], [-0.03, 0, 0]])
    for live, fix in ((False, "record the arm moving along at least two axes"),
                      (True, "move the arm along at least two axes")):
        with pytest.raises(ValueError) as refused:
            usable_motions(line, live=live)
        assert str(refused.value).endswith(f"does not determine a rotation: {fix}" + (
            "" if live else " (or run the live check, ~/camera_check, which moves it so)"))


@pytest.mark.parametrize("option, message, status", [  # 2: the options typed, 1: the bag
    ([], "no --checkpoint: a world model with random weights sees nothing, so its camera check "
     "means nothing; pass --checkpoint demo (the packaged demo model), --checkpoint "
     "vjepa2-ac-vitg.pt (Meta's) or a trained file, or --random-weights to run the pipeline "
     "anyway", 2),
    (["--checkpoint", "demo", "--random-weights"], "--random-weights: does not apply with "
     "--checkpoint", 2),
    (["--checkpoint", "demo", "--min-motion", "0.18"], "camera check: 0 executed motions of at "
     "least 18 cm, need 3: the bag's 3 longest motions are", 1),  # the bag's states: no model
])
def test_camera_check_refuses_random_weights_and_short_motions_before_the_model_loads(
        option, message, status, sim_bag, tmp_path, monkeypatch, capsys):
    import vjepa_ros.demo
    from vjepa_ros.cli import main

    def loaded(*args, **kwargs):
        raise AssertionError("the model loaded before the refusal")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    out = tmp_path / "never"
    if "--min-motion" in option:  # the written file's check motions longer (the node's rule:
        # a motion plus control.arrival_tolerance_m 0.01 m within max_step_m, fix49g)
        params = tmp_path / "long.yaml"
        params.write_text("/**:\n  ros__parameters:\n    safety: {max_step_m: 0.2}\n"
                          "    camera_check: {motion: {distance_m: 0.19}}\n")
        option = [*option, "--params-file", str(params)]
    assert main(["camera-check", str(sim_bag), "--out", str(out), *option]) == status
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: ") and message in err and "\n" not in err
    if "--min-motion" in option:
        assert "lower --min-motion (a length in metres, default 0.01) to at most" in err
    assert not out.exists()


def _no_loading(monkeypatch):
    """Make loading the bag or the model fail the test."""
    import vjepa_ros.demo
    import vjepa_ros.recordings.bags

    def loaded(*args, **kwargs):
        raise AssertionError("the bag or the model loaded before the refusal")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    monkeypatch.setattr(vjepa_ros.recordings.bags, "read_recording", loaded)


def test_camera_check_plans_with_the_params_files_checkpoint(sim_bag, tmp_path, monkeypatch,
                                                             capsys):
    """No --checkpoint: the --params-file's model.checkpoint loads (not a refusal)."""
    import vjepa_ros.demo
    from vjepa_ros.cli import main
    from vjepa_ros.input_paths import world_model_path

    demo = str(world_model_path("demo").resolve())
    params = tmp_path / "planner.yaml"
    params.write_text(f"/**:\n  ros__parameters:\n    model: {{checkpoint: {demo}}}\n")
    loaded = []

    def load(checkpoint, *args, **kwargs):
        loaded.append(checkpoint)
        raise RuntimeError("stop here")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", load)
    assert main(["camera-check", str(sim_bag), "--params-file", str(params), "--quiet",
                 "--out", str(tmp_path / "never")]) == 1
    assert loaded == [demo] and "stop here" in capsys.readouterr().err


def test_camera_check_names_the_params_file_for_an_encoder_only_checkpoint(tmp_path, capsys):
    """user32: the refusal blamed '--checkpoint', not given, instead of the file and its key."""
    import torch

    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.models import build_encoder, save_world_model
    from vjepa_ros.recordings.bag_writing import write_bag

    torch.manual_seed(0)
    encoder = save_world_model(tmp_path / "encoder.pt", build_encoder(
        img_size=64, embed_dim=64, depth=1, num_heads=2))  # what pretrain writes: no predictor
    params = tmp_path / "lab.yaml"
    params.write_text(f"vjepa_planner:\n  ros__parameters:\n    model:\n"
                      f"      checkpoint: {encoder}\n")
    bag = write_bag(tmp_path / "sim_bag", *synthetic_episode(12, seed=1))
    assert main(["camera-check", str(bag), "--params-file", str(params),
                 "--out", str(tmp_path / "check"), "--quiet"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros camera-check: --params-file {params}: model.checkpoint "
                          f"{encoder} holds no action-conditioned predictor"), err


def test_camera_check_refuses_random_weights_with_a_params_file_naming_a_checkpoint(
        tmp_path, monkeypatch, capsys):
    from vjepa_ros.cli import main
    from vjepa_ros.input_paths import world_model_path

    _no_loading(monkeypatch)
    params = tmp_path / "planner.yaml"
    params.write_text("/**:\n  ros__parameters:\n    model: {checkpoint: "
                      f"{world_model_path('demo').resolve()}}}\n")
    assert main(["camera-check", str(tmp_path / "bag"), "--params-file", str(params),
                 "--random-weights", "--out", str(tmp_path / "never")]) == 2  # cli31: usage
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros camera-check: --random-weights: does not apply with "
                          f"--params-file {params}: model.checkpoint ") and "\n" not in err


def test_camera_check_refuses_a_params_file_the_node_would_refuse_before_the_bag_loads(
        sim_bag, tmp_path, monkeypatch, capsys):
    """safety.max_step_m 0.05 under the trial's 0.08 m offset: the written file would not start."""
    from vjepa_ros.cli import main

    _no_loading(monkeypatch)
    params = tmp_path / "planner.yaml"
    params.write_text("vjepa_planner:\n  ros__parameters:\n    safety: {max_step_m: 0.05}\n")
    out = tmp_path / "never"
    assert main(["camera-check", str(sim_bag), "--params-file", str(params),
                 "--checkpoint", "demo", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"vjepa-ros camera-check: --params-file {params} with this run's "
                          "options: the planner node would refuse the written file: "
                          "camera_check.trial.offset_m (0.08 m) must be at most "
                          "safety.max_step_m (0.05 m)") and "\n" not in err
    assert main(["camera-check", str(sim_bag), "--min-motion", "0.2", "--checkpoint", "demo",
                 "--out", str(out)]) == 2  # a verdict option against the default file
    err = capsys.readouterr().err.strip()
    assert err.startswith("vjepa-ros camera-check: --params-file config/planner.yaml with this "
                          "run's options: the planner node would refuse the written file: "
                          "--min-motion (0.2 m) must be below camera_check.motion.distance_m")
    assert not out.exists()


def test_camera_check_holds_and_says_so_for_a_model_trained_without_the_gripper(
        sim_bag, tmp_path, monkeypatch, capsys):
    """mend53b: camera-check applies robot/trained_model's rules as eval does.

    Input: a model recording ``no_gripper`` (``trained_without_gripper``). Expected: every
    search plans with the gripper delta fixed at 0 and no close, and one printed note says the
    gripper is held (it went only into the report's notes, never printed).
    """
    import vjepa_ros.demo
    import vjepa_ros.eval.evaluate as evaluate
    from vjepa_ros.cli import main
    from vjepa_ros.robot.goal_switch_config import GRIPPER_INDEX

    oracle = _oracle_for(sim_bag, (0, 0, 0))
    oracle.trained_without_gripper = True
    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model",
                        lambda *args, **kwargs: (oracle, "oracle (test)"))
    searched, make_planner = [], evaluate.build_planner

    def planner(model, cem, seed=0):
        searched.append(cem)
        return make_planner(model, cem, seed=seed)

    monkeypatch.setattr(evaluate, "build_planner", planner)
    assert main(["camera-check", str(sim_bag), "--checkpoint", "demo", "--quiet", "--no-plots",
                 "--out", str(tmp_path / "check"), "--samples", "16", "--iterations", "2",
                 "--maxnorm", "0.075"]) == 0
    assert len(searched) == 2 and all((GRIPPER_INDEX, 0.0) in cem.fixed_axes and
                                      cem.close_gripper is None for cem in searched)
    held = [line for line in capsys.readouterr().out.splitlines()
            if "trained without the gripper" in line]
    assert len(held) == 1 and held[0].startswith("note") and "goals." not in held[0], held


# user56u: ``camera-check --params-file F`` never said F's own rotation: the command built its
# node settings from the file it writes, whose control.model_frame_rpy_deg the check sets to its
# own correction, so the clause comparing F's rotation with the check's (and the radians note of
# mend56y) was never printed, whatever F said.
def _check_with_file_rotation(sim_bag, tmp_path, monkeypatch, capsys, rpy) -> str:
    return _check_with_file(sim_bag, tmp_path, monkeypatch, capsys, "    control:\n"
                            f"      model_frame_rpy_deg: {[float(v) for v in rpy]}\n")


def _check_with_file(sim_bag, tmp_path, monkeypatch, capsys, parameters: str) -> str:
    """Run the check of ``sim_bag`` (a 90° oracle) with a file setting ``parameters`` (lines)."""
    import vjepa_ros.demo
    from vjepa_ros.cli import main

    oracle = _oracle_for(sim_bag, (0, 0, 90))
    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model",
                        lambda *args, **kwargs: (oracle, "rotated oracle (test)"))
    params = tmp_path / "rad.yaml"
    params.write_text(f"/**:\n  ros__parameters:\n{parameters}")
    assert main(["camera-check", str(sim_bag), "--checkpoint", "demo", "--params-file",
                 str(params), "--out", str(tmp_path / "check"), "--quiet", "--samples", "64",
                 "--iterations", "4", "--maxnorm", "0.075", "--seed", "5", "--fine-deg", "7.5",
                 "--min-scale", "0.2"]) == 0
    return capsys.readouterr().out


def test_a_rotation_typed_in_radians_in_the_params_file_is_said(sim_bag, tmp_path,
                                                                monkeypatch, capsys):
    printed = _check_with_file_rotation(sim_bag, tmp_path, monkeypatch, capsys, (0, 0, 1.5708))
    assert "CORRECT BY ROTATION" in printed, printed
    (line,) = [line for line in printed.splitlines()
               if "gave control.model_frame_rpy_deg" in line]
    assert f"--params-file {tmp_path / 'rad.yaml'} gave control.model_frame_rpy_deg" in line
    assert "if these are radians" in line and "[0, 0, 90]" in line, line


def test_a_file_rotation_in_degrees_is_compared_with_the_checks(sim_bag, tmp_path,
                                                               monkeypatch, capsys):
    printed = _check_with_file_rotation(sim_bag, tmp_path, monkeypatch, capsys, (0, 0, 45))
    (line,) = [line for line in printed.splitlines()
               if "gave control.model_frame_rpy_deg" in line]
    assert "[0.0, 0.0, 45.0]" in line and "radians" not in line, line


def test_a_file_rotation_the_planner_refuses_is_replaced_not_refused(sim_bag, tmp_path,
                                                                     monkeypatch, capsys):
    # review56s: reading the file's rotation ran the node's whole start-up check on the file's
    # own values, so a malformed rotation the written file replaces refused the check
    printed = _check_with_file_rotation(sim_bag, tmp_path, monkeypatch, capsys, (0, 0))
    (line,) = [line for line in printed.splitlines()
               if "gave control.model_frame_rpy_deg" in line]
    assert "[0.0, 0.0], which the planner refuses" in line, line
    assert "the written file holds the check's rotation in its place" in line, line


def test_the_written_file_keeps_rclpy_parameters_and_strings_rcl_would_type(
        sim_bag, tmp_path, monkeypatch, capsys):
    """fix57c: F's use_sim_time was refused; a string like 'y' came back as the bool True."""
    from vjepa_ros.eval.camera_check_base import base_planner_params

    printed = _check_with_file(sim_bag, tmp_path, monkeypatch, capsys, (
        "    use_sim_time: true\n    start_type_description_service: false\n"
        "    robot: {joint_prefix: 'y', base_frame: panda_link0}\n"))
    assert "CORRECT BY ROTATION" in printed, printed
    written = base_planner_params(tmp_path / "check" / PARAMS_FILE)  # as rcl reads it
    assert written["use_sim_time"] is True and written["start_type_description_service"] is False
    assert written["robot"]["joint_prefix"] == "y"
