"""mend56z: a settings file's true/false words read as rcl reads the same line, or are refused.

PyYAML (YAML 1.1) read ``warm_start: off`` in a settings file (``reach --config``, ``train
--config``) as false and ``y`` as the text "y"; rcl reads both as bools (rcl_yaml_param_parser
``get_value``: Y/y/yes/Yes/YES/on/On/ON and their false twins), YAML 1.2 as text, and the
README says booleans take true/false. Now such a word (unquoted) is refused naming the file, the
setting, its line and the fix; the rest of the family reads as rcl reads it (``0x10``, ``.inf``,
``1e3`` for a float setting) or as the settings need (``~``/``null``: none).
"""

import math
import re

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.rcl_scalars import rcl_scalar
from vjepa_ros.yaml_keys import load_settings

WORDS = ["y", "Y", "n", "N", "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off",
         "Off", "OFF"]


@pytest.mark.parametrize("word", WORDS)
def test_a_settings_file_refuses_a_bool_word_naming_file_setting_line_and_fix(tmp_path, word):
    from vjepa_ros.sim.reach_config import load_reach_config

    path = tmp_path / "lab.yaml"
    path.write_text(f"goal_seed: 5\nplanner:\n  warm_start: {word}\n")
    with pytest.raises(UsageError) as caught:
        load_reach_config(path)
    said = "true" if rcl_scalar(word) else "false"
    message = str(caught.value)
    assert message.startswith(f"settings file {path}: planner.warm_start: {word} (line 3) is "
                              f"{said} "), message
    assert message.endswith(f": write {said} for true/false, or quote it ('{word}') for the "
                            "text"), message
    assert "\n" not in message


@pytest.mark.parametrize("text, where", [("a: [true, off]", "a[1]"), ("a: {b: {c: Y}}", "a.b.c"),
                                         ("- n", "[0]")])
def test_a_bool_word_anywhere_in_a_file_is_named_by_its_path(text, where):
    from vjepa_ros.yaml_keys import BoolWordError

    with pytest.raises(BoolWordError, match=rf"^{re.escape(where)}: "):
        load_settings(text)


@pytest.mark.parametrize("text, value", [
    ("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False),
    ("'yes'", "yes"), ('"off"', "off"), ("!!str y", "y"), ("yEs", "yEs"), ("0x10", 16),
    (".inf", math.inf), ("-.Inf", -math.inf), ("~", None), ("null", None),
])
def test_the_rest_of_the_family_reads_as_before(text, value):
    assert load_settings(f"a: {text}\n") == {"a": value}


@pytest.mark.parametrize("text", ["0x10", ".inf", "1e3", "-1.5e-3", "true", "FALSE"])
def test_a_settings_file_number_or_bool_is_what_rcl_reads_from_the_same_line(tmp_path, text):
    from vjepa_ros.config import _coerce

    read = load_settings(f"a: {text}\n")["a"]
    theirs = rcl_scalar(text)
    hint = bool if isinstance(theirs, bool) else type(theirs)
    if hint is int:  # a float setting takes it too, as a float parameter takes rcl's int
        assert _coerce(read, float, "a") == float(theirs)
    assert _coerce(read, hint, "a") == theirs and type(_coerce(read, hint, "a")) is hint


def test_the_package_settings_files_hold_no_bool_word():
    from pathlib import Path

    config = Path(__file__).resolve().parent.parent / "config"
    for name in ("reach_demo.yaml", "train.yaml", "pretrain.yaml", "demo_model.yaml"):
        assert isinstance(load_settings((config / name).read_text()), dict), name
