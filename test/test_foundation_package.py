"""The package's ROS 2 metadata: what rosdep, colcon and `ros2 run/launch` rely on."""

import ast
import os
import xml.etree.ElementTree as ET

from conftest import REPO_ROOT


def test_package_xml_is_format3_ament_python_with_ros_deps():
    root = ET.parse(REPO_ROOT / "package.xml").getroot()
    assert root.tag == "package" and root.get("format") == "3"
    assert root.findtext("name") == "vjepa_ros"
    assert root.find("export/build_type").text == "ament_python"
    exec_deps = {e.text for e in root.findall("exec_depend")}
    for dep in (
        "rclpy",
        "sensor_msgs",
        "geometry_msgs",
        "std_msgs",
        "std_srvs",
        "diagnostic_msgs",
        "python3-numpy",
        "python3-scipy",
        "python3-opencv",
        "python3-yaml",
    ):
        assert dep in exec_deps, f"package.xml lacks exec_depend {dep}"
    assert {e.text for e in root.findall("test_depend")} >= {"python3-pytest"}


def _setup_call_keywords():
    tree = ast.parse((REPO_ROOT / "setup.py").read_text())
    call = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "setup"
    )
    return {kw.arg: kw.value for kw in call.keywords}


def test_setup_py_declares_only_pip_dependencies():
    requires = ast.literal_eval(_setup_call_keywords()["install_requires"])
    names = {r.split(">")[0].split("=")[0].split("<")[0].strip() for r in requires}
    assert "torch" in names and "numpy" in names
    ros_like = {n for n in names if n.startswith(("rclpy", "ros-", "ros_")) or n.endswith("_msgs")}
    assert not ros_like, (
        f"ROS packages must come from the system or requirements-ros.txt: {ros_like}"
    )


def test_ament_install_layout_declared():
    source = (REPO_ROOT / "setup.py").read_text()
    assert "share/ament_index/resource_index/packages" in source
    assert (REPO_ROOT / "resource" / "vjepa_ros").is_file()
    cfg = (REPO_ROOT / "setup.cfg").read_text()
    assert "$base/lib/vjepa_ros" in cfg, "ros2 run looks for executables in lib/<package>"


def test_console_scripts_point_at_existing_functions():
    import importlib

    scripts = ast.literal_eval(_setup_call_keywords()["entry_points"])["console_scripts"]
    assert any(s.startswith("vjepa-ros ") for s in scripts)
    for spec in scripts:
        target = spec.split("=", 1)[1].strip()
        module, func = target.split(":")
        assert callable(getattr(importlib.import_module(module), func)), spec


def test_launch_files_are_valid_python_defining_a_description():
    launch_files = sorted((REPO_ROOT / "launch").glob("*.launch.py"))
    assert launch_files
    for path in launch_files:
        tree = ast.parse(path.read_text())
        names = {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
        assert "generate_launch_description" in names, path.name


def test_ros_requirements_are_pinned_wheels():
    lines = [ln.strip() for ln in (REPO_ROOT / "requirements-ros.txt").read_text().splitlines()]
    reqs = [ln for ln in lines if ln and not ln.startswith("#")]
    assert any(r.startswith("ros-rclpy==") for r in reqs)
    assert all("==" in r for r in reqs), "ROS wheels must be pinned"


def test_network_rule_is_in_force_for_this_process():
    assert os.environ["ROS_AUTOMATIC_DISCOVERY_RANGE"] == "LOCALHOST"
    assert os.environ["ROS_LOCALHOST_ONLY"] == "1"
    assert 0 <= int(os.environ["ROS_DOMAIN_ID"]) <= 101
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST" in ci and "ROS_LOCALHOST_ONLY=1" in ci


def test_the_license_file_matches_the_declared_license():
    """setup.py and package.xml say MIT: the checkout ships that license's text."""
    declared = ast.literal_eval(_setup_call_keywords()["license"])
    assert declared == ET.parse(REPO_ROOT / "package.xml").getroot().findtext("license")
    text = (REPO_ROOT / "LICENSE").read_text()
    assert text.splitlines()[0] == f"{declared} License"
    assert "Permission is hereby granted, free of charge" in text
