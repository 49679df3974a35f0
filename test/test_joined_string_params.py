"""A string parameter holding a comma-separated list, given a list: the string to give named.

breaker57f: ``bag_player -p "topics:=[/a, /b]"`` (``ros2 bag play --topics``' form) was refused
"takes a string (quote one that reads as a number or true/false ...)", advice for another
mistake. A field marked ``joined=","`` (``config.param``) names the joined string instead,
for a ``-p``, a launcher's override, a parameter file and ``ros2 param set`` alike (fix57f2).
"""

import dataclasses

import pytest
import rclpy
from rclpy.parameter import Parameter

from vjepa_ros.config import param
from vjepa_ros.nodes.params import declare_config


@dataclasses.dataclass
class Joined:
    topics: str = param("", "Comma-separated topics.", joined=",")
    name: str = param("x", "A plain string.")


WANT = "takes one string, its items joined by ',', got ['/a', '/b'] (a list): give them as " \
       "the one string '/a,/b'"


def _start(context, **kwargs):
    node = rclpy.create_node("joined_test", context=context, **kwargs)
    try:
        return declare_config(node, Joined())
    finally:
        node.destroy_node()


@pytest.mark.parametrize("given", ["-p", "file", "overrides"])
def test_a_list_at_start_up_is_refused_naming_the_joined_string(context, tmp_path, given):
    if given == "file":
        path = tmp_path / "p.yaml"
        path.write_text("/**:\n  ros__parameters:\n    topics: [/a, /b]\n")
        kwargs = {"cli_args": ["--ros-args", "--params-file", str(path)]}
    elif given == "-p":
        kwargs = {"cli_args": ["--ros-args", "-p", "topics:=[/a, /b]"]}
    else:
        kwargs = {"parameter_overrides": [Parameter("topics", value=["/a", "/b"])]}
    with pytest.raises(ValueError) as caught:
        _start(context, **kwargs)
    assert f"parameter 'topics' {WANT}" in str(caught.value), str(caught.value)


def test_the_joined_string_is_taken_and_a_plain_string_keeps_its_words(context):
    assert _start(context, cli_args=["--ros-args", "-p", "topics:=/a,/b"]).topics == "/a,/b"
    with pytest.raises(ValueError, match="'name' takes a string \\(quote one"):
        _start(context, cli_args=["--ros-args", "-p", "name:=[a, b]"])


def test_a_list_set_at_run_time_is_refused_naming_the_joined_string(context):
    node = rclpy.create_node("joined_test", context=context)
    try:
        declare_config(node, Joined())
        (result,) = node.set_parameters([Parameter("topics", value=["/a", "/b"])])
        assert not result.successful and WANT in result.reason, result.reason
    finally:
        node.destroy_node()


def test_bag_players_topics_is_marked_joined():
    from vjepa_ros.eval.playback import PlaybackConfig

    field = next(f for f in dataclasses.fields(PlaybackConfig) if f.name == "topics")
    assert field.metadata["joined"] == ","
    assert PlaybackConfig(topics="/a, /b,").topic_list() == ["/a", "/b"]
