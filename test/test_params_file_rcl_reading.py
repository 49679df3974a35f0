"""Parameter files read as rcl reads them (fix51a2: breaker51a's 2, 7, 8, 9), and the options.

Tabs between a line's tokens and several documents (``---``) give the node what rcl gives it;
an empty parameter group, which rcl misreads even where it parses the file, is refused naming
the group and its line; ``vjepa-ros launch`` refuses an option and a ``-p`` item giving one
parameter two values, and applies every ``--params-file`` in turn.
"""

import argparse

import pytest
import yaml
from test_breaker51a import _rcl_reads

from vjepa_ros.config import UsageError, unflatten
from vjepa_ros.nodes.launch_inputs import check_option_overrides
from vjepa_ros.nodes.node_launch import NodeLaunch
from vjepa_ros.nodes.params_file import check_params_file
from vjepa_ros.yaml_files import read_ros_params

HEAD = "/**:\n  ros__parameters:\n"
SAME_AS_RCL = {  # files rcl reads; read_ros_params must give the planner what rcl gives it
    "tabs": "/**:\t# all nodes\n  ros__parameters:\n    a:\t1\n    s: x\ty\t# kept: 'x\\ty'\n"
            "    g: {\tb: 2,\tc: [1,\t2]}\n    t: !!str\t5\n",
    "documents": f"---\n{HEAD}    a: 1\n    b: 1\n---\n{HEAD}    a: 2\n...\n",
    "documents naming the node": f"/vjepa_planner:\n  ros__parameters:\n    a: 1\n---\n{HEAD}"
                                 "    a: 2\n---\n/vjepa_planner:\n  ros__parameters:\n    a: 3\n",
    "documents, another node's": f"{HEAD}    a: 1\n---\n/other:\n  ros__parameters:\n    a: 2\n",
    "empty ros__parameters": f"/**:\n  ros__parameters: {{}}\n{'/vjepa_planner:'}\n"
                             "  ros__parameters:\n    a: 1\n",
}


@pytest.mark.parametrize("case", sorted(SAME_AS_RCL))
def test_a_file_rcl_reads_gives_the_node_what_rcl_gives_it(case, tmp_path):
    path = tmp_path / "lab.yaml"
    path.write_text(SAME_AS_RCL[case])
    assert check_params_file(path, say=lambda line: None) == path
    read = _rcl_reads("--params-file", str(path))
    for name in ("use_sim_time", "start_type_description_service"):
        read.pop(name, None)
    assert read_ros_params(path, "/vjepa_planner") == unflatten(read)
    if case == "tabs":
        assert read["s"] == "x\ty" and read["t"] == "5" and read["g.c"] == [1, 2]


EMPTY_GROUPS = {  # rcl parses each of these, then declares or names what the file did not mean
    "last": (f"{HEAD}    a: 1\n    planner: {{}}\n", "planner", 4),
    "nested, before a value": (f"{HEAD}    planner:\n      control: {{}}\n      samples: 3\n",
                               "planner.control", 4),
    "in a flow mapping": (f"{HEAD}    g: {{b: {{}}, a: 1}}\n", "g.b", 3),
    "given again with values": (f"{HEAD}    planner: {{}}\n    planner: {{samples: 3}}\n",
                                "planner", 3),
}


@pytest.mark.parametrize("case", sorted(EMPTY_GROUPS))
def test_an_empty_group_is_refused_naming_it_and_its_line(case, tmp_path):
    text, group, line = EMPTY_GROUPS[case]
    path = tmp_path / "lab.yaml"
    path.write_text(text)
    with pytest.raises(UsageError) as caught:
        check_params_file(path)
    message = str(caught.value)
    assert message.startswith(f"--params-file {path}: parameter group '{group}' of /** "
                              f"(line {line}) is empty"), message
    assert "\n" not in message
    if case == "nested, before a value":  # what rcl makes of it: samples in the wrong group
        assert "planner.control.samples" in _rcl_reads("--params-file", str(path))


def _args(**given) -> argparse.Namespace:
    return argparse.Namespace(**{"image_transport": None, "use_sim_time": None, **given})


@pytest.mark.parametrize("given, overrides, named", [
    ({"image_transport": "compressed"}, {"planner": {"image_transport": "raw"}},
     "--image-transport compressed and -p planner.image_transport:=raw"),
    ({"use_sim_time": True}, {"planner": {"use_sim_time": False}},
     "--use-sim-time and -p planner.use_sim_time:=false"),
    ({"use_sim_time": False}, {"planner": {}, "sim": {"use_sim_time": True}},
     "--no-use-sim-time and -p sim.use_sim_time:=true"),
    ({"use_sim_time": True}, {"planner": {"use_sim_time": 1}},
     "--use-sim-time and -p planner.use_sim_time:=1"),  # an int is not the bool given
])
def test_an_option_and_a_p_item_giving_another_value_are_refused(given, overrides, named):
    with pytest.raises(UsageError) as caught:
        check_option_overrides(_args(**given), overrides)
    assert str(caught.value).startswith(named) and "give one of them" in str(caught.value)


def test_an_option_and_a_p_item_giving_the_same_value_are_one_value():
    check_option_overrides(_args(image_transport="raw", use_sim_time=True),
                           {"planner": {"image_transport": "raw", "use_sim_time": True},
                            "sim": {"use_sim_time": True}})


def test_every_params_file_is_applied_in_turn_and_named_for_its_values(tmp_path):
    search, site = tmp_path / "search.yaml", tmp_path / "site.yaml"
    search.write_text(yaml.safe_dump({"/**": {"ros__parameters": {
        "planner": {"samples": 12, "topk": 4}, "model": {"device": "cuda"}}}}))
    site.write_text(yaml.safe_dump({"/vjepa_planner": {"ros__parameters": {
        "planner": {"topk": 3}, "model": {"device": "cpu"}}}}))
    node = NodeLaunch("planner", params_file=str(search), file_label="--params-file search.yaml",
                      more_files=[(str(site), "--params-file site.yaml")])
    cli_args = node.node_kwargs()["cli_args"]
    assert cli_args[:5] == ["--ros-args", "--params-file", str(search), "--params-file",
                            str(site)]
    read = _rcl_reads(*cli_args[1:])
    assert (read["planner.samples"], read["planner.topk"], read["model.device"]) == (12, 3, "cpu")
    assert node.start_value("planner.topk", None) == 3
    assert node.start_value("planner.samples", None) == 12
    sources = node.sources()
    assert sources["planner.samples"] == "--params-file search.yaml"
    assert sources["planner.topk"] == sources["model.device"] == "--params-file site.yaml"
