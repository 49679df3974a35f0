"""Typed configuration: strict dataclass loading and ROS parameter files."""

import dataclasses
from pathlib import Path

import pytest

from vjepa_ros.config import ConfigError, UsageError, flatten, from_dict, param
from vjepa_ros.package_files import config_path
from vjepa_ros.yaml_files import read_ros_params


@dataclasses.dataclass
class Inner:
    samples: int = param(400, "CEM samples.")
    bounds: list[float] = param([0.05, 0.05], "Per-axis bounds.")


@dataclasses.dataclass
class Outer:
    name: str = param("x", "A name.")
    rate: float = param(4.0, "A rate.")
    enabled: bool = param(False, "A switch.")
    inner: Inner = dataclasses.field(default_factory=Inner)


def test_nested_and_dotted_keys_with_type_coercion():
    cfg = from_dict(Outer, {"rate": 2, "inner.samples": 800, "inner": {"bounds": [1, 2]}})
    assert cfg.rate == 2.0 and isinstance(cfg.rate, float)
    assert cfg.inner.samples == 800 and cfg.inner.bounds == [1.0, 2.0]
    assert from_dict(Outer, {}).inner == Inner()
    # list defaults are not shared between instances
    a, b = Outer(), Outer()
    a.inner.bounds.append(3.0)
    assert b.inner.bounds == [0.05, 0.05]


@pytest.mark.parametrize(
    "data, message",
    [
        # the key path, the closest name, never the class (was: unknown Inner setting(s))
        ({"rat": 1.0}, r"^rat: unknown setting \(closest: rate\)$"),
        ({"inner.sample": 1}, r"^inner.sample: unknown setting \(closest: samples\)$"),
        ({"inner.xyz": 1}, r"^inner.xyz: unknown setting \(known: bounds, samples\)$"),
        ({"enabled": "yes"}, "enabled: expected true/false"),
        ({"inner.samples": 1.5}, "inner.samples: expected an integer"),
        ({"rate": "fast"}, "rate: expected a number"),
        ({"inner": 3}, "inner: expected a mapping"),
    ],
)
def test_bad_values_name_the_setting(data, message):
    with pytest.raises(ConfigError, match=message) as caught:
        from_dict(Outer, data)
    assert isinstance(caught.value, UsageError) == ("unknown" in message), "unknown: exit 2"


@pytest.mark.parametrize("spelling, number", [("1e-1", 0.1), ("1E3", 1000.0), (".5", 0.5),
                                              ("-2.5e+2", -250.0), ("1.5e3", 1500.0)])
def test_every_float_spelling_is_a_number(spelling, number):
    """``--set data.max_state_gap_s=1e-1`` said "expected a number, got '1e-1'".

    YAML 1.1 reads an exponent without a dot as a string.
    """
    import yaml

    assert from_dict(Outer, {"rate": yaml.safe_load(spelling)}).rate == number


@pytest.mark.parametrize("spelling", ["nan", "inf", "-inf", "1e999", "1e", "e3", "1,5"])
def test_strings_that_are_no_finite_number_stay_refused(spelling):
    with pytest.raises(ConfigError, match=f"^rate: expected a number, got '{spelling}'$"):
        from_dict(Outer, {"rate": spelling})


def test_unflatten_merges_groups_at_every_depth():
    from vjepa_ros.config import unflatten

    nested = unflatten({"sim.camera.width": 64, "sim.camera.height": 48, "sim": {"seed": 1},
                        "sim.camera": {"fov": 60.0}})
    assert nested == {"sim": {"camera": {"width": 64, "height": 48, "fov": 60.0}, "seed": 1}}
    with pytest.raises(ConfigError, match="both a value and a group"):
        unflatten({"a": 1, "a.b": 2})
    with pytest.raises(ConfigError, match="both a value and a group"):
        unflatten({"a.b": 2, "a": 1})


def test_flatten_carries_descriptions():
    rows = {name: (value, desc) for name, value, desc in flatten(Outer())}
    assert rows["inner.samples"] == (400, "CEM samples.")
    assert all(desc for _, desc in rows.values())


def test_shipped_yaml_matches_node_config():
    from vjepa_ros.nodes.image_publisher import ImagePublisherConfig

    params = read_ros_params(config_path("image_publisher.yaml"), "image_publisher")
    assert from_dict(ImagePublisherConfig, params) == ImagePublisherConfig()


def test_unreadable_param_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("node: [unclosed")
    with pytest.raises(ConfigError) as caught:
        read_ros_params(bad, "node")
    assert str(caught.value) == (
        f"parameter file {bad} is not valid YAML (line 1, column 16: expected ',' or ']', but "
        "got '<stream end>'): fix that line; give a ROS 2 parameter file (a YAML mapping "
        "'<node>: ros__parameters: ...')")


@pytest.mark.parametrize("text, message", [
    ("", "parameter file .* is empty .nothing but comments or blank lines.: give a ROS 2"),
    ("# to do\n", "parameter file .* is empty"),
    ("just-a-hostname\n", "not a ROS 2 parameter file.*holds a str"),
    ("- a\n- b\n", "not a ROS 2 parameter file.*holds a list"),
    ("node: 3\n", "'node' must hold a 'ros__parameters' mapping"),
    ("node:\n  ros__parameters: [1, 2]\n", "'node' must hold a 'ros__parameters' mapping"),
])
def test_a_yaml_file_that_is_not_a_parameter_file_is_refused_in_one_line(tmp_path, text, message):
    path = tmp_path / "params.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        read_ros_params(path, "node")
    path.write_bytes(b"\xff\xfe\x00binary")
    with pytest.raises(ConfigError, match=f"^parameter file {path} is not a text file: give a "):
        read_ros_params(path, "node")


@pytest.mark.parametrize("path", sorted((Path(__file__).resolve().parent.parent / "config")
                                        .glob("*.yaml")), ids=lambda p: p.name)
def test_config_files_have_no_duplicate_keys(path):
    """YAML keeps the last of two equal keys silently: a pasted block would hide an edit."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        pass

    def mapping(loader, node, deep=False):
        keys = [loader.construct_object(key, deep=deep) for key, _ in node.value]
        repeated = {key for key in keys if keys.count(key) > 1}
        assert not repeated, f"{path.name}: duplicate keys {sorted(repeated)} near line " \
                             f"{node.start_mark.line + 1}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)

    UniqueKeys.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    assert yaml.load(path.read_text(), Loader=UniqueKeys) is not None


@pytest.mark.parametrize("text, problem", [
    ("", "is empty (nothing but comments or blank lines): write the train settings to change "
     "in it, or leave it out for the defaults"),
    ("# lr: 1e-4\n\n", "is empty (nothing but comments"),
    ("---\n", "is empty (nothing but comments"),
    ("- lr\n- steps\n", "holds a YAML list (['lr', 'steps']), not a mapping of train settings "
     "(name: value)"),
    ("[]\n", "holds a YAML list ([])"),
    ("lr\n", "holds a YAML str ('lr')"),
    ("0\n", "holds a YAML int (0)"),
    ("false\n", "holds a YAML bool (False)"),
    ("'{}'\n", "holds a YAML str ('{}')"),
])
def test_a_settings_file_that_is_empty_or_not_a_mapping_is_refused_naming_it(text, problem,
                                                                             tmp_path):
    """Once read as "all defaults" when empty, a list or a false-y scalar (``or {}``)."""
    from vjepa_ros.yaml_files import read_yaml_mapping

    path = tmp_path / "settings.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        read_yaml_mapping(path, "train settings")
    assert str(caught.value).startswith(f"train settings file {path} {problem}"), caught.value
    path.write_text("lr: 0.001\n")
    assert read_yaml_mapping(path, "train settings") == {"lr": 0.001}


def test_read_ros_params_applies_sections_as_rcl_does(tmp_path):
    """Matching sections in file order (a later value wins); those of other nodes unread.

    rclpy 9 gives the node {a: star, b: 2, c: 3, e: 5} from this file (checked by hand).
    """
    path = tmp_path / "params.yaml"
    path.write_text("planner:\n  ros__parameters: {a: own, c: 3}\n"
                    "/*:\n  ros__parameters: {a: star, b: 2}\n"
                    "/ns/planner:\n  ros__parameters: {a: other, d: 4}\n"
                    "/**/planner:\n  ros__parameters: {e: 5}\n")
    assert read_ros_params(path, "planner") == {"a": "star", "b": 2, "c": 3, "e": 5}
    assert read_ros_params(path, "/ns/planner") == {"a": "other", "d": 4, "e": 5}


@pytest.mark.parametrize("gap, why", [(0.0, "got 0$"), (6.0, "got 6: states further apart"),
                                      (1e300, "record the states faster$")])
def test_train_bounds_the_state_gap_as_eval_does(gap, why):
    """``--set data.max_state_gap_s=1e300`` trained, interpolating states across any gap."""
    from vjepa_ros.train.config import make_config

    with pytest.raises(ConfigError, match="^data.max_state_gap_s must be a time > 0 and at most "
                       f"5 s, .*{why}"):
        make_config({"data": {"max_state_gap_s": gap}}).check(need_paths=False)
    accepted = make_config({"data": {"max_state_gap_s": 5.0}}).check(need_paths=False)
    assert accepted.data.max_state_gap_s == 5.0
