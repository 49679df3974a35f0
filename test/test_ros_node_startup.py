"""Node executables refuse a bad ``-p`` before torch, pybullet or the model load.

The cases run the nodes' ``main`` in one fresh interpreter with ``--ros-args -p NAME:=VALUE`` (as
``ros2 run`` does): exit 2 (an unknown name, a value of the wrong type or out of its range) with
one line naming the parameter, and the heavy libraries still unloaded at that point (rclpy is
needed to read the parameters). The planner and sim nodes took ~3.5 s on a quiet machine (~14 s
under load) to refuse one, 0.8 s now; timing is never asserted.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("torch", "pybullet", "scipy", "matplotlib", "rosbags")
PROBE = """
import contextlib, io, importlib, json, sys
results = []
for module, args in json.loads(sys.argv[1]):
    module = importlib.import_module(module)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = module.main(["node", "--ros-args", *args])
    loaded = [m for m in %r if m in sys.modules]
    results.append({"code": code, "err": err.getvalue(), "loaded": loaded})
print(json.dumps(results))
""" % (HEAVY,)
# status 2, a usage error: an unknown name (as an unknown --config key) and a value of the wrong
# type or out of its range typed as -p (as argparse's "invalid int value", and as `vjepa-ros
# launch -p`: fix61u, was 1)
BAD_PARAMETERS = [
    ("planner_node", "planner.samples:=0", 2,
     "vjepa_planner: -p planner.samples must lie in [1, 100000], got 0"),
    ("planner_node", "planner.samples:=3.5", 2, "vjepa_planner: -p planner.samples: parameter "
     "'planner.samples' takes a whole number (e.g. 800), got 3.5 (a float)"),
    ("planner_node", "planner.sampels:=8", 2,
     "vjepa_planner: unknown parameter 'planner.sampels'"),
    ("planner_node", "model.device:=3", 2, "vjepa_planner: -p model.device: parameter "
     "'model.device' takes a string"),
    ("sim_node", "control_rate_hz:=-1.0", 2, "sim_node: "),
    ("sim_node", "camera.width:=wide", 2, "sim_node: -p camera.width: parameter 'camera.width' "
     "takes a whole number"),
    ("sim_node", "bogus:=1", 2, "sim_node: unknown parameter 'bogus'"),
]
NODE_NAMES = [("planner_node", "vjepa_planner"), ("sim_node", "sim_node"),
              ("camera_node", "camera"), ("image_publisher", "image_publisher")]


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """Run every case below, one after another, in one fresh interpreter.

    The heavy libraries are looked for after each case: ``sys.modules`` only grows, so a case that
    loads one is still caught (and the cases after it fail too); the interpreter start-up and
    rclpy's import are paid once, not per case. Returns ({case: result}, the wrong-node file,
    the interpreter's own stderr).
    """
    params = tmp_path_factory.mktemp("params") / "wrongnode.yaml"
    params.write_text("vjepa_planer:\n  ros__parameters:\n    safety: {workspace_max: [0.5]}\n")
    typed = tmp_path_factory.mktemp("params") / "typed.yaml"
    typed.write_text("vjepa_planner:\n  ros__parameters:\n    planner: {samples: 3.5}\n")
    cases = {(node, parameter): (f"vjepa_ros.nodes.{node}", ["-p", parameter])
             for node, parameter, _, _ in BAD_PARAMETERS}
    cases["planner_node", "typed-file"] = ("vjepa_ros.nodes.planner_node",
                                           ["--params-file", str(typed)])
    cases.update({(node, "params-file"): (f"vjepa_ros.nodes.{node}",
                                          ["--params-file", str(params)])
                  for node, _ in NODE_NAMES})
    # last: its check loads torch (the arm's kinematics come first), which the cases above forbid
    cases["planner_node", "missing-checkpoint"] = ("vjepa_ros.nodes.planner_node",
                                                   ["-p", "model.checkpoint:=/nonexistent/x.pt"])
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(list(cases.values()))],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})  # the ROS network rule, HOME for logs
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    return dict(zip(cases, found, strict=True)), params, done.stderr


@pytest.mark.parametrize("node, parameter, status, message", BAD_PARAMETERS)
def test_a_bad_parameter_is_refused_before_the_heavy_libraries_load(node, parameter, status,
                                                                    message, results):
    result = results[0][node, parameter]
    assert result["code"] == status, result
    assert result["err"].startswith(message) and result["err"].count("\n") == 1, result["err"]
    assert result["loaded"] == [], f"{node} imported {result['loaded']} before refusing"


def test_a_checkpoint_file_typed_as_p_that_does_not_exist_is_a_file_problem_status_1(results):
    """A missing file is no typing mistake: status 1, as `vjepa-ros launch -p` gives it."""
    result = results[0]["planner_node", "missing-checkpoint"]
    assert result["code"] == 1, result
    assert result["err"].startswith("vjepa_planner: -p model.checkpoint: parameter "
                                    "'model.checkpoint' /nonexistent/x.pt does not exist"), result


def test_a_value_of_the_wrong_type_in_a_parameter_file_is_a_value_refused_status_1(results):
    """Read from a file, not typed on the command line: as a --config file's (README)."""
    result = results[0]["planner_node", "typed-file"]
    assert result["code"] == 1, result
    assert result["err"].startswith("vjepa_planner: --params-file ") and result["err"].endswith(
        ": parameter 'planner.samples' takes a whole number (e.g. 800), got 3.5 (a float)\n")


@pytest.mark.parametrize("node, name", NODE_NAMES)
def test_a_parameter_file_for_no_node_is_refused_with_status_2_before_anything_loads(
        node, name, results):
    """Each executable through run_node checks --params-file for the node it starts."""
    found, params, stderr = results
    assert "[rcl]" not in stderr, stderr
    result = found[node, "params-file"]
    assert result["code"] == 2 and result["loaded"] == []
    # the camera node starts in its own namespace: named in full, as rcl matches it (fix61b)
    full = "/camera/camera" if name == "camera" else name
    assert result["err"] == (f"{name}: --params-file {params}: section 'vjepa_planer' applies to "
                             f"no node started here ({full}); closest: '{full}' — fix the name "
                             "or use '/**'\n")
