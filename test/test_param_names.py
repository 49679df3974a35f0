"""A node executable's ``-p`` name rcl's lexer refuses: said in words, the name meant (fix57f2).

breaker57f: ``-p rate-hz:=5.0`` answered "Expected lexeme type (22) not found". The rule in
``nodes/param_names.py`` is compared with rclpy.init itself (the oracle) on every name below:
it refuses exactly what rcl refuses (names with '/', which rcl reads loosely, left to rcl).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from vjepa_ros.nodes.param_names import known_parameters, meant_name, param_name_problem
from vjepa_ros.nodes.ros_args import check_param_item

ROOT = Path(__file__).resolve().parent.parent

NAMES = ["rate_hz", "rate-hz", "rate_hz ", " rate_hz", "rate hz", "rate\thz", "a.b", "a..b",
         ".a", "a.", "1a", "a1", "_a", "_", "__a", "a__b", "a.1", "a._b", "a.__b", "A_B",
         "a.b.c_d", "node:rate_hz", "my_node:a.b", "_n:a", "__n:a", "n-1:a", ":a", "n::a",
         "a:b:c", "/ns/node:a", "*:a", "**:a", "ä", "a+b", "a@b", "a$b", "~a", "a,b", "a=b",
         "a'b", "a.b-c", "a/b", "/a", "a//b", "node:/a", "a/b.c", "a.b/c", "node:a/b"]


def _rcl_takes(names: list[str]) -> dict[str, bool]:
    """Return {name: whether rclpy.init takes ``--ros-args -p NAME:=5``}, in a child process.

    A child: rcl logs its own refusal on stderr, and no context of this process is touched.
    """
    program = (
        "import json, sys, rclpy\n"
        "from rclpy.context import Context\n"
        "taken = {}\n"
        "for name in json.loads(sys.argv[1]):\n"
        "    context = Context()\n"
        "    try:\n"
        "        rclpy.init(args=['x', '--ros-args', '-p', name + ':=5'], context=context)\n"
        "    except Exception:\n"
        "        taken[name] = False\n"
        "    else:\n"
        "        taken[name] = True\n"
        "        context.try_shutdown()\n"
        "print(json.dumps(taken))\n")
    import json

    done = subprocess.run([sys.executable, "-c", program, json.dumps(names)], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_rule_refuses_what_rcl_refuses():
    pytest.importorskip("rclpy")
    taken = _rcl_takes(NAMES)
    assert any(taken.values()) and not all(taken.values())  # the oracle answered both ways
    differ = {name: (taken[name], param_name_problem(name)) for name in NAMES
              if taken[name] == bool(param_name_problem(name)) and "/" not in name}
    assert not differ, differ
    for name in NAMES:  # a name rcl takes is never refused here ('/' names included)
        assert not (taken[name] and param_name_problem(name)), name


# {node: {item refused: the -p meant ("": no parameter alike, the rule alone)}}
MEANT = {"image_publisher": {"rate-hz:=5.0": "rate_hz:=5.0", "rate\thz:=5.0": "rate_hz:=5.0"},
         "sim_node": {"camera.wid-th:=64": "camera.width:=64",
                      "sim_node:publish-clock:=true": "sim_node:publish_clock:=true"},
         "camera": {"time out s:=2.0": "timeout_s:=2.0"},
         "bag_player": {"start-delay-s:=0.5": "start_delay_s:=0.5"},
         "vjepa_planner": {"planner.num-samples:=64": "planner.samples:=64", "q-w-x:=1": ""}}


@pytest.mark.parametrize("node,item,meant", [(node, item, meant) for node, items in MEANT.items()
                                             for item, meant in items.items()])
def test_a_name_rcl_refuses_is_said_with_the_parameter_meant(node, item, meant):
    with pytest.raises(ValueError) as caught:
        check_param_item(item, ros_name=node)
    said = str(caught.value)
    assert "no ROS parameter name holds" in said and "lexeme" not in said, said
    assert said.endswith(f"did you mean -p {meant}?") if meant else "did you mean" not in said


def test_a_bad_node_prefix_is_said_as_the_node_name_rule():
    with pytest.raises(ValueError, match="bare node name .* not '/ns/node'"):
        check_param_item("/ns/node:rate_hz:=5.0", ros_name="image_publisher")


def test_every_node_lists_its_parameters_before_rclpy():
    from vjepa_ros.nodes.node_registry import NODES

    for entry in NODES.values():
        names = known_parameters(entry.ros_name)
        assert "use_sim_time" in names and len(names) > 3, (entry.ros_name, names)
        assert not any(other.startswith(f"{name}.") for name in names for other in names)
    assert "rate_hz" in known_parameters("image_publisher")
    from vjepa_ros.nodes.rclpy_own import rclpy_own

    for name in rclpy_own():  # rclpy's own, every one this rclpy declares (mend58b)
        assert name in known_parameters("vjepa_planner"), name
        with pytest.raises(ValueError, match=f"did you mean -p {name}:=false"):
            check_param_item(f"{name.replace('_', '-')}:=false", ros_name="camera")
    assert "planner.samples" in known_parameters("vjepa_planner")
    assert known_parameters("no_such_node") == [] and meant_name("rate-hz", []) == ""
