"""breaker57c: the camera check, live and offline, and the correction file it writes.

Attacked at base57 (4700e5e7): ``eval/camera_check_report.py`` (``write_params``,
``params_with_correction``, ``save_check``), ``nodes/camera_check_service.py`` (what the live
``~/camera_check`` writes), read back as the launch and the planner node read a parameter file
(``camera_check_base.base_planner_params``: rcl's typing, ``rcl_yaml``).

Defects (strict xfails; each docstring: input, what happens, what should happen) are listed in
the tests below.
"""

import dataclasses
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from vjepa_ros.eval.camera_check import check_motions
from vjepa_ros.eval.camera_check_base import base_planner_params
from vjepa_ros.eval.camera_check_report import PARAMS_FILE, write_params
from vjepa_ros.robot.planner_config import PlannerNodeConfig

sys.path.insert(0, str(Path(__file__).parent))
from camera_check_rigs import LIVE  # noqa: E402


def _rotate_result():
    """Return a "correct by rotation" result of the live check's 14 motions (model yaw 40°)."""
    turned = Rotation.from_euler("z", 40, degrees=True).apply(LIVE)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return check_motions(LIVE, turned, explained=np.full(len(LIVE), 0.9))


def _live_check_file(h) -> dict:
    """Enable harness ``h``, run ``~/camera_check`` to its answer; the written file's values."""
    from test_ros_camera_check import call_async, ideal_arm

    from vjepa_ros.yaml_files import read_ros_params

    assert ideal_arm(h, 3.0, until=lambda: h.session.frame is not None)
    assert h.enable().success
    answer = call_async(h)
    assert ideal_arm(h, 90.0, until=answer.done), "no answer"
    response = answer.result()
    assert response.success, response.message
    return read_ros_params(h.check_dir / PARAMS_FILE, "vjepa_planner")


def test_the_live_check_on_sim_time_writes_a_file_that_keeps_sim_time(monkeypatch, tmp_path):
    """The live check of a planner on sim time writes a file that starts one on wall time.

    Input: the planner node with ``use_sim_time`` true (a simulator's /clock, as a user's
    planner file or ``use_sim_time:=true`` sets it), ``~/camera_check`` called. Happens: the
    written ``planner_camera_check.yaml`` (documented as "this node's parameters with
    control.model_frame_rpy_deg set", the file to restart the planner with) holds every
    ``PlannerNodeConfig`` value and no ``use_sim_time``: the planner restarted with it runs on
    wall time beside a simulator stamping sim time (``camera_check_service._check`` passes
    ``dataclasses.asdict(node.config)``, which has no ``use_sim_time``). Should: the file keeps
    the node's ``use_sim_time`` (true here), as the offline check keeps its --params-file's.
    """
    pytest.importorskip("rclpy")
    from test_ros_camera_check import make_arm

    h = make_arm(monkeypatch, tmp_path, use_sim_time=True,
                 **{"camera_check.trial.when": "never"})
    try:
        h.sim_time = 100.0
        written = _live_check_file(h)
        assert h.planner.get_parameter("use_sim_time").value is True  # the node checked
        assert written.get("use_sim_time") is True, sorted(written)
    finally:
        h.close()


@pytest.mark.parametrize(("name", "text"), [
    ("robot.joint_prefix", "y"), ("robot.joint_prefix", "n"), ("goal_image_path", "Y"),
    ("model.device", "1e3"), ("control.gripper_action", "inf"), ("model.dtype", "nan"),
    ("robot.gripper_state_topic", "08"), ("model.encoder_args", "5e-1"),
])
def test_a_string_setting_reads_back_from_the_written_file_as_the_same_string(tmp_path, name,
                                                                            text):
    """The written correction file changes the type of string settings rcl types otherwise.

    Input: a planner (or --params-file) whose string setting holds a text that YAML 1.1 reads
    as a string but rcl types as a bool or a number: ``y``/``n``/``Y`` (rcl's bools),
    ``1e3``, ``inf``, ``nan``, ``5e-1``, ``08`` (rcl's strtod). Happens:
    ``write_params`` dumps with ``yaml.safe_dump``, which quotes only what PyYAML would
    misread, so the value is written plain; the launch and the node read it back as
    True/False/1000.0/inf/nan/8.0, and the planner refuses to start with the very file the
    check told the user to load ("expected a string, got True"). Should: every value reads back
    as it was written (a string quoted where rcl would type it: ``rcl_yaml.rcl_scalar``).
    """
    base = dataclasses.asdict(PlannerNodeConfig())
    *parents, last = name.split(".")
    section = base
    for part in parents:
        section = section[part]
    section[last] = text
    written = write_params(_rotate_result(), tmp_path / PARAMS_FILE, base)
    back = base_planner_params(written)  # as rcl (the planner node, the launch) reads it
    for part in parents:
        back = back[part]
    assert back[last] == text and isinstance(back[last], str), (name, back[last])


def test_the_live_checks_file_names_the_world_model_wherever_it_is_loaded_from(monkeypatch,
                                                                             tmp_path):
    """The live check writes ``model.checkpoint`` as typed: a relative path breaks elsewhere.

    Input: a planner started in ``~/lab`` with ``model.checkpoint: models/wm.pt`` (a path
    relative to that folder, which the node resolves there), ``~/camera_check`` called.
    Happens: the written ``planner_camera_check.yaml`` says ``model.checkpoint: models/wm.pt``;
    restarted from any other folder (another terminal, a launch file's ``cwd``) the planner
    refuses: no such file. The offline ``vjepa-ros camera-check`` writes the absolute path
    (``camera_check_command``: ``world_model_path(...).resolve()``), and the live check's own
    ``camera_check.json`` records it absolute (``_identity``); only the file to load keeps the
    relative spelling (``camera_check_service._check``: ``dataclasses.asdict(node.config)``).
    Should: the written file names the model the planner loaded, as an absolute path.
    """
    pytest.importorskip("rclpy")
    import test_ros_camera_check
    from planner_harness import Harness
    from test_ros_camera_check import make_arm

    lab = tmp_path / "lab"
    (lab / "models").mkdir(parents=True)
    model = lab / "models" / "wm.pt"
    model.write_bytes(b"a world model file (the node's loader is the oracle here)")
    monkeypatch.chdir(lab)
    monkeypatch.setattr(test_ros_camera_check, "Harness",
                        lambda _, **params: Harness("models/wm.pt", **params))
    h = make_arm(monkeypatch, tmp_path, **{"camera_check.trial.when": "never"})
    try:
        assert h.planner.config.model.checkpoint == "models/wm.pt"
        written = _live_check_file(h)
        checkpoint = written["model"]["checkpoint"]
        assert Path(checkpoint).is_absolute(), checkpoint
        assert Path(checkpoint).resolve() == model.resolve()
    finally:
        h.close()


@pytest.mark.parametrize("sim_time", [True, False])
def test_camera_check_takes_a_planner_file_that_sets_use_sim_time(tmp_path, monkeypatch, capsys,
                                                                 sim_time):
    """``vjepa-ros camera-check --params-file F`` refuses F for its ``use_sim_time``.

    Input: the package's planner file with ``use_sim_time: true`` (a lab on Gazebo or the
    simulator keeps it in its planner file; the planner node and ``vjepa-ros launch`` take it:
    every rclpy node declares it) or ``false``, given to ``camera-check`` with a bag of the same
    base frame. Happens: exit 2, "--params-file F with this run's options: the planner node
    would refuse the written file: use_sim_time: unknown setting (known: camera_check, ...)":
    a false claim (the node takes it), and the check cannot start from the lab's own file
    (``camera_check_base.check_node_start`` runs ``from_dict(PlannerNodeConfig, ...)`` on the
    whole file, and rclpy's own parameters are no ``PlannerNodeConfig`` field; the node's own
    unknown-parameter check exempts them: ``param_ranges._RCLPY_OWN``). Should: the check goes
    on (reaches the model here) and the written file keeps ``use_sim_time`` as F set it.
    """
    import yaml

    import vjepa_ros.demo
    from vjepa_ros.cli import main
    from vjepa_ros.eval.synthetic import synthetic_episode
    from vjepa_ros.package_files import config_path
    from vjepa_ros.recordings.bag_writing import write_bag

    def loaded(*args, **kwargs):
        raise RuntimeError("reached the model")

    monkeypatch.setattr(vjepa_ros.demo, "load_planning_model", loaded)
    bag = write_bag(tmp_path / "bag", *synthetic_episode(12, seed=1), base_frame="fr3_link0")
    params = yaml.safe_load(config_path("planner.yaml").read_text())
    planner = next(iter(params.values()))["ros__parameters"]
    planner["robot"].update(base_frame="fr3_link0", state_source="pose")
    planner["use_sim_time"] = sim_time
    (tmp_path / "lab.yaml").write_text(yaml.safe_dump(params))
    main(["camera-check", str(bag), "--checkpoint", "demo", "--params-file",
          str(tmp_path / "lab.yaml"), "--out", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert "reached the model" in err, err
