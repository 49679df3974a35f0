"""mend57a: a true/false word readers disagree on is refused on the command line as in a file.

``vjepa-ros train --set progress=yes`` read true (PyYAML, YAML 1.1) while a settings file's
``progress: yes`` is refused naming the key (mend56z: rcl reads y/n as bools too, YAML 1.2 none
of them). One rule for every YAML value a user types for settings: ``--set``, ``--encoder-arg``
/ ``--predictor-arg`` and the ``encoder_args`` text; the one-line form names the key, no line.
"""

import pytest

from vjepa_ros.rcl_scalars import rcl_scalar

WORDS = ["y", "N", "yes", "No", "ON", "off"]


def _said(word: str) -> str:
    return "true" if rcl_scalar(word) else "false"


@pytest.mark.parametrize("word", WORDS)
def test_train_set_refuses_a_bool_word_naming_the_key_and_the_fix(tmp_path, capsys, word):
    from vjepa_ros.cli import main

    (tmp_path / "data").mkdir()
    assert main(["train", "--data", str(tmp_path / "data"), "--out", str(tmp_path / "out"),
                 "--set", f"progress={word}"]) == 2
    message = capsys.readouterr().err.strip()
    assert message.startswith(f"vjepa-ros train: --set 'progress={word}': progress: {word} is "
                              f"{_said(word)} "), message
    assert message.endswith(f"write {_said(word)} for true/false, or quote it ('{word}') for "
                            "the text"), message
    assert "line" not in message and "\n" not in message


@pytest.mark.parametrize("item, where", [("optim={warmup: 0.1, x: off}", "optim.x"),
                                         ("data=[1, n]", "data[1]")])
def test_a_bool_word_inside_a_set_value_is_named_under_its_key(item, where):
    from vjepa_ros.config import UsageError
    from vjepa_ros.train.command_options import overrides_from_args

    with pytest.raises(UsageError) as caught:
        overrides_from_args(_train_args(["--set", item]))
    assert str(caught.value).startswith(f"--set {item!r}: {where}: "), str(caught.value)


@pytest.mark.parametrize("word", WORDS)
def test_a_key_value_model_option_refuses_a_bool_word(word):
    from vjepa_ros.models.official_names import parse_hyper_parameters, parse_key_values

    with pytest.raises(ValueError) as caught:
        parse_key_values([f"use_rope={word}"], "--encoder-arg")
    assert str(caught.value).startswith(f"--encoder-arg: use_rope: {word} is {_said(word)} ")
    with pytest.raises(ValueError) as caught:
        parse_hyper_parameters(f"{{use_rope: {word}}}", "model.encoder_args")
    assert str(caught.value).startswith(f"model.encoder_args: use_rope: {word} is ")


@pytest.mark.parametrize("text, value", [("true", True), ("FALSE", False), ("'yes'", "yes"),
                                         ('"off"', "off"), ("yEs", "yEs"), ("0100", 100)])
def test_the_rest_of_the_family_reads_as_before_on_the_command_line(text, value):
    from vjepa_ros.train.command_options import overrides_from_args

    assert overrides_from_args(_train_args(["--set", f"progress={text}"]))["progress"] == value


def _train_args(extra: list[str]):
    from vjepa_ros.cli import build_parser

    return build_parser().parse_args(["train", "--data", "d", "--out", "o", *extra])
