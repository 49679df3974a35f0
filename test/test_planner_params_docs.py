"""The planner and camera nodes' parameters are documented where users read them, as in the code.

Every parameter of ``PlannerNodeConfig`` (what the node declares) has a description, a row in the
README's parameter table with the same default and text, and the same value in the shipped
``config/planner.yaml`` (which the launch file loads); likewise ``CameraConfig`` (``camera_node``)
and ``config/camera.yaml``. A parameter added without its row, or a default changed in one place
only, fails here.
"""

import json
import re
from pathlib import Path

from vjepa_ros.config import flatten, from_dict
from vjepa_ros.robot.camera import CameraConfig
from vjepa_ros.robot.planner_config import PlannerNodeConfig
from vjepa_ros.yaml_files import read_ros_params

ROOT = Path(__file__).resolve().parent.parent
ROW = re.compile(r"^\| `([^`]+)` \| `(.*?)` \| (.*) \|$", re.M)


def _readme_rows(heading: str = "### Parameters (`config/planner.yaml`"
                 ) -> dict[str, tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    start = text.index(heading)
    end = text.index("\n### ", start + 1)
    return {m.group(1): (m.group(2), m.group(3)) for m in ROW.finditer(text[start:end])}


def test_every_planner_parameter_has_a_readme_row_with_its_default_and_description():
    rows = _readme_rows()
    params = flatten(PlannerNodeConfig())
    assert params and all(description for _, _, description in params)
    missing = [name for name, _, _ in params if name not in rows]
    assert not missing, f"README parameter table lacks {missing}"
    for name, value, description in params:
        assert rows[name][0] == json.dumps(value, ensure_ascii=False), name
        assert rows[name][1] == description, name
    declared = {name for name, _, _ in params}
    stale = [name for name in rows if name not in declared and "." in name
             and name.split(".")[0] in {n.split(".")[0] for n in declared}]
    assert not stale, f"README rows for parameters the node does not declare: {stale}"


def test_the_shipped_parameter_file_holds_the_node_defaults():
    params = read_ros_params(ROOT / "config" / "planner.yaml", "vjepa_planner")
    assert from_dict(PlannerNodeConfig, params) == PlannerNodeConfig()
    shipped = {name for name, _, _ in flatten(from_dict(PlannerNodeConfig, params))}
    text = (ROOT / "config" / "planner.yaml").read_text()
    for name, _, _ in flatten(PlannerNodeConfig()):
        assert name in shipped
        # every key is written out (empty lists as a comment: rcl cannot type them)
        assert re.search(rf"^\s+(# )?{re.escape(name.split('.')[-1])}:", text, re.M), name


def test_every_camera_parameter_has_a_readme_row_and_its_default_in_the_shipped_file():
    rows = _readme_rows("### `camera_node`")
    params = flatten(CameraConfig())
    assert sorted(rows) == sorted(name for name, _, _ in params)
    for name, value, description in params:
        assert description and rows[name] == (json.dumps(value), description), name
    shipped = read_ros_params(ROOT / "config" / "camera.yaml", "camera/camera")
    assert sorted(shipped) == sorted(rows) and from_dict(CameraConfig, shipped) == CameraConfig()
