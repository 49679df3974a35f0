"""The core (models, planning, robot, recordings, sim, eval, train) imports without ROS 2.

The package's shape: a ROS-free core with thin rclpy nodes on top, so that the core runs where
ROS is absent (a GPU machine, a notebook, `vjepa-ros train` on a cluster). A core module that
imports rclpy or a ROS message package, even through a helper in ``nodes/``, breaks that.
"""

import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CORE = ("models", "planning", "robot", "recordings", "sim", "eval", "train")
# rclpy and the ROS packages a node uses (package.xml's exec_depend)
ROS_PACKAGES = ("rclpy", "rosidl_runtime_py", "rosidl_parser", "builtin_interfaces",
                "rcl_interfaces", "std_msgs", "std_srvs", "sensor_msgs", "geometry_msgs",
                "diagnostic_msgs", "control_msgs", "rosgraph_msgs", "launch", "launch_ros",
                "ament_index_python")

CHILD = """
import importlib, pkgutil, sys
BLOCKED = set(sys.argv[1].split(","))
class NoRos:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"ROS module {name} imported")
sys.meta_path.insert(0, NoRos())
failed = []
for sub in sys.argv[2].split(","):
    package = importlib.import_module("vjepa_ros." + sub)
    for info in pkgutil.iter_modules(package.__path__):
        name = f"vjepa_ros.{sub}.{info.name}"
        try:
            importlib.import_module(name)
        except ImportError as exc:
            failed.append(f"{name}: {exc}")
print("\\n".join(failed))
"""


def test_every_core_module_imports_with_ros_absent():
    out = subprocess.run([sys.executable, "-c", CHILD, ",".join(ROS_PACKAGES), ",".join(CORE)],
                         cwd=REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == ""


def test_the_check_catches_a_module_that_imports_rclpy(tmp_path):
    """The blocker works: a core-like package importing rclpy is reported."""
    package = tmp_path / "vjepa_ros_probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "uses_ros.py").write_text("import rclpy\n")
    child = CHILD.replace('"vjepa_ros." + sub', 'sub').replace('f"vjepa_ros.{sub}.', 'f"{sub}.')
    out = subprocess.run([sys.executable, "-c", child, ",".join(ROS_PACKAGES), "vjepa_ros_probe"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert "vjepa_ros_probe.uses_ros: ROS module rclpy imported" in out.stdout


# The CLI glue of `vjepa-ros camera-check`, which reads the planner node's --params-file
# (nodes.params_file, nodes.rclpy_own): the command layer, not the core.
NODES_ALLOWED = {"eval/camera_check_base.py", "eval/camera_check_command.py"}


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at its top or inside a function."""
    import ast

    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_no_core_module_reaches_up_into_the_nodes():
    """docs: no layer reaches up; the core must not import ``vjepa_ros.nodes`` (ROS-free or not).

    ``sim/reach_config.py`` imported the planner node's parameter class from ``nodes/``; the
    typed planner settings now live in ``robot/planner_config.py``.
    """
    package = REPO_ROOT / "vjepa_ros"
    reaching = []
    for sub in CORE:
        for path in sorted((package / sub).rglob("*.py")):
            shown = path.relative_to(package).as_posix()
            up = sorted(n for n in _imported_modules(path) if n.startswith("vjepa_ros.nodes"))
            if up and shown not in NODES_ALLOWED:
                reaching.append(f"{shown}: {', '.join(up)}")
    assert reaching == []


# docs/architecture.md: bag reading and writing once, in a data package (``recordings/``) that
# ``eval`` and ``train`` both use. Package -> the vjepa_ros packages it must not import.
BELOW = {
    "recordings": ("eval", "train", "sim", "nodes"),  # the data layer the others stand on
    "train": ("eval", "sim"),  # its data comes from recordings/, not from the evaluation
    # pure PyTorch search and rollout: what it shares with robot/ lives in a leaf (state_limits)
    "planning": ("robot", "recordings", "eval", "train", "sim", "nodes"),
}


def _layer_breaches(package: Path) -> list[str]:
    """Every import of a module :data:`BELOW` forbids, as ``sub/file.py: vjepa_ros.x.y``."""
    breaches = []
    for sub, forbidden in BELOW.items():
        banned = tuple(f"vjepa_ros.{name}" for name in forbidden)
        for path in sorted((package / sub).rglob("*.py")):
            up = sorted(n for n in _imported_modules(path)
                        if n in banned or n.startswith(tuple(f"{b}." for b in banned)))
            if up:
                breaches.append(f"{path.relative_to(package).as_posix()}: {', '.join(up)}")
    return breaches


def test_recordings_and_train_import_no_layer_above_their_data():
    """``recordings/`` imports none of eval, train, sim, nodes; ``train/`` nothing of eval, sim.

    ``planning/`` imports none of robot, recordings, eval, train, sim, nodes.

    ``train`` once imported its bag reading, resampling and ``.npz`` episodes from ``eval/`` and
    ``sim/`` (``vjepa_ros.eval.bags``, ``vjepa_ros.sim.episode``, ...): every reader of
    recordings paid for, and was tied to, the evaluation and the simulator.
    """
    assert _layer_breaches(REPO_ROOT / "vjepa_ros") == []


def test_planning_loads_no_robot_or_recordings_module_even_through_a_leaf():
    """Importing every ``planning/`` module loads nothing of robot, recordings, eval, train, sim.

    ``planning/plan_inputs.py`` imported ``robot.state_ranges`` for the reach and closedness
    checks, which imported ``recordings.bag_reader``: the planning core stood on the robot and
    bag layers. A top-level leaf it imports must not reach them either (the check above sees
    only ``planning/``'s own imports).
    """
    child = ("import importlib, pkgutil, sys\n"
             "import vjepa_ros.planning as p\n"
             "for info in pkgutil.iter_modules(p.__path__):\n"
             "    importlib.import_module('vjepa_ros.planning.' + info.name)\n"
             "print(' '.join(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", child], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    banned = tuple(f"vjepa_ros.{name}" for name in BELOW["planning"])
    loaded = [name for name in out.stdout.split()
              if name in banned or name.startswith(tuple(f"{b}." for b in banned))]
    assert loaded == []


def test_the_layer_check_catches_a_forbidden_import(tmp_path):
    """The check sees top-level, ``from`` and in-function imports of a forbidden package."""
    for sub in BELOW:
        (tmp_path / sub).mkdir()
    (tmp_path / "recordings" / "a.py").write_text("import vjepa_ros.sim.scene\n")
    (tmp_path / "train" / "b.py").write_text(
        "def f():\n    from vjepa_ros.eval import report\n")
    (tmp_path / "train" / "c.py").write_text(
        "from vjepa_ros.recordings.bag_topics import BagTopics\n")
    (tmp_path / "train" / "d.py").write_text("import vjepa_ros.evaluation_notes\n")  # not eval
    assert _layer_breaches(tmp_path) == [
        "recordings/a.py: vjepa_ros.sim.scene",
        "train/b.py: vjepa_ros.eval, vjepa_ros.eval.report",
    ]


# The core's advice to restart the planner with a parameter quotes the value for the shell as
# rcl reads it back (ros_values, rcl_yaml): it once imported nodes.ros_args inside the function,
# which loaded eight nodes/ modules on the first refusal of a base frame (robot/base_frame.py).
ADVICE = """
import sys
from vjepa_ros.eval import camera_check_frames  # noqa: F401 (inherits robot.base_frame)
from vjepa_ros.robot import base_frame, finger_watch  # noqa: F401
from vjepa_ros.start_forms import restart_planner_with
said = [base_frame._fix("fr3_link0", "fr3_"), base_frame._fix("left_fr3_link0", "left_fr3_"),
        restart_planner_with("robot.base_frame", "0"),
        restart_planner_with("safety.max_gripper_state_age_s", 0.5),
        restart_planner_with("robot.base_frame", what="this arm's frame")]
print("\\n".join(said))
print("NODES", ",".join(sorted(m for m in sys.modules if m.startswith("vjepa_ros.nodes"))))
"""


def test_restart_advice_loads_no_node_module():
    """Run time, not only imports: giving the advice leaves ``vjepa_ros.nodes`` unloaded."""
    out = subprocess.run([sys.executable, "-c", ADVICE], cwd=REPO_ROOT, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert lines[-1] == "NODES ", lines[-1]
    # the values as rcl reads them back: a frame named 0 quoted as a string, a float bare
    assert "-p planner.robot.base_frame:='\"0\"'" in lines[2]
    assert "-p planner.safety.max_gripper_state_age_s:=0.5" in lines[3]
    assert "robot.base_frame:=fr3_link0" in lines[0]
