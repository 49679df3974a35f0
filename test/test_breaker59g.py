"""breaker59g: launch files, config YAMLs, parameters and the ``vjepa-ros`` CLI surface.

Attacked at base59e (ecf333a2): ``vjepa-ros launch`` (``nodes/launcher.py``, ``log_levels``,
``launch_arguments``), the launch files' argument handling (``nodes/launch_values.py``), the
shipped ``config/*.yaml`` against the dataclass defaults, ``--params-file`` layouts and ``-p``
values of every type, run-time parameter sets.

Defects (strict xfail, each test's docstring: what a user does, what happens, what should):
  #1 ``vjepa-ros launch --log-level planner:=warn`` (or ``sim:=warn`` with ``--node sim``): the
     names launch gives its nodes everywhere else (``-p planner.…``, ``--node sim``) are not
     their loggers (``vjepa_planner``, ``sim_node``); the level is silently ignored.

Held (passing tests below, or tried by hand): an empty ``--params-file``, a key one level too
high (``samples``), a section naming another node (``/camera/camera``), a quoted number, a
typo'd key, values outside ``ros__parameters``, another node's shipped YAML as the planner's
(each one line, exit 2, or 1 for a value the node refuses); ``-p`` values ``1e3`` / ``2.0`` for a
whole number, ``1_000``, ``.nan``, ``inf``, ``L1`` (one line each, exit 2); every shipped YAML's
values equal its dataclass's defaults (``planner_notebook.yaml`` then keeps planner.yaml's
defaults as it says); launch_ros' own typing of a launch argument (``int(text)``,
``float(text)``, YAML bools) takes every text ``launch_values.typed_text`` takes.
"""

from pathlib import Path

import pytest

DEMO_MODEL = Path(__file__).resolve().parent.parent / "vjepa_ros" / "data" / "demo_world_model.pt"


@pytest.fixture
def launched(monkeypatch):
    """Capture the keyword arguments ``launch`` would start its nodes with (nothing starts)."""
    from vjepa_ros.nodes import launcher

    captured = {}

    def fake_launch(nodes, **kwargs):
        captured.update(kwargs, nodes=[node.name for node in nodes])
        raise ValueError("not started in this test")

    monkeypatch.setattr(launcher, "Launch", fake_launch)
    return captured


def _launch_log_level(launched, capsys, level, *more):
    """Run ``vjepa-ros launch --log-level LEVEL`` (nothing starts); return (status, stderr)."""
    from vjepa_ros.cli import main

    try:
        status = main(["launch", "--checkpoint", str(DEMO_MODEL), *more, "--log-level", level])
    except SystemExit as ended:
        status = ended.code
    return status, capsys.readouterr().err


@pytest.mark.xfail(strict=True, reason="breaker59g #1: launch --log-level planner:=warn / "
                   "sim:=warn (launch's own node names) is silently ignored: no such logger")
@pytest.mark.parametrize("typed, logger, more", [
    ("planner:=warn", "vjepa_planner", ()),
    ("sim:=error", "sim_node", ("--node", "sim")),
])
def test_a_log_level_for_launchs_own_node_name_reaches_that_node_or_is_refused(
        launched, capsys, typed, logger, more):
    """#1: a log level for launch's own node name is silently ignored.

    ``vjepa-ros launch`` names its nodes ``planner`` and ``sim`` everywhere (``-p
    planner.planner.samples:=…``, ``--node sim``, its error lines ``planner: …``), so a user
    quiets the planner with ``--log-level planner:=warn``. rcl gets ``planner:=warn``: no logger
    is called so (the nodes log as ``vjepa_planner`` and ``sim_node``), the INFO lines go on and
    nothing says why (tried by hand: ``[INFO] [vjepa_planner]: ready in shadow mode`` printed).
    Should: the level reaches the node's logger (``vjepa_planner:=warn``), or the item is refused
    in one line, exit 2, naming the logger to give. At fault: ``nodes/log_levels.py``
    (``log_level_item`` / ``log_level_args``: no look-up of launch's node names).
    """
    status, err = _launch_log_level(launched, capsys, typed, *more)
    level = typed.partition(":=")[2]
    refused = status == 2 and f"{logger}:={level}" in err and "ros_args" not in launched
    mapped = f"{logger}:={level}" in (launched.get("ros_args") or [])
    assert refused or mapped, (status, err, launched.get("ros_args"))


@pytest.mark.parametrize("typed", ["vjepa_planner:=warn", "WARN", "rcl:=debug"])
def test_a_log_level_for_a_real_logger_goes_to_rclpy_as_typed(launched, capsys, typed):
    status, err = _launch_log_level(launched, capsys, typed)
    assert launched["ros_args"] == ["--ros-args", "--log-level", typed], (status, err)
