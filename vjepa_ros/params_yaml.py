"""YAML text of a ROS 2 parameter file that rcl reads back as written (the package's one writer).

PyYAML's ``safe_dump`` quotes a string only where YAML 1.1 would read it as something else, but
rcl types every plain scalar itself (``rcl_scalars.rcl_scalar``): ``y``, ``n``, ``Y`` are bools to
rcl, ``1e3``, ``5e-1``, ``inf``, ``nan``, ``08`` floats, all strings to PyYAML. Written plain, a
string setting holding one reads back as a bool or a number and the node refuses its own file
("expected a string"). Here a string is written double-quoted wherever rcl would read it plain as
anything but that very string; every other string as PyYAML writes it (quoted where YAML needs
it). Used by ``eval.camera_check_report.write_params``; ``nodes.launch_values.values_file``
quotes every string it writes (a superset of this rule).
"""

from __future__ import annotations

import yaml

from vjepa_ros.rcl_scalars import rcl_scalar


class ParamsDumper(yaml.SafeDumper):
    """PyYAML's safe dumper writing a string double-quoted where rcl would type it otherwise."""


def _represent_str(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    read = rcl_scalar(text)
    same = isinstance(read, str) and read == text
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=None if same else '"')


ParamsDumper.add_representer(str, _represent_str)


def dump_params(data: dict) -> str:
    """Return ``data`` (``{node: {"ros__parameters": {...}}}``) as YAML rcl reads back as it is.

    Keys in the order given, lists in flow style (``[0.0, 0.0, 90.0]``). Each string value
    (in a list too) reads back through rcl (``rcl_yaml.load``) as the same string.
    """
    return yaml.dump(data, Dumper=ParamsDumper, sort_keys=False, default_flow_style=None)
