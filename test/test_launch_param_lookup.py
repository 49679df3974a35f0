"""mend56q: ``vjepa-ros launch -p NODE.name:=...`` looks ``name`` up among NODE's parameters.

user56u typed ``launch -p planner.seed:=08`` (the planner's parameter is ``planner.seed``, so
launch's form is ``planner.planner.seed``): the digits check read the whole key as a parameter
name, found the planner's ``planner.seed`` and said ``which planner.seed, a whole number,
refuses: write 8``; ``-p planner.seed:=8`` was then refused as unknown: two rounds for one typo.
Launch's key is now NODE + name: a name NODE does not declare is refused as unknown first, with
the form to type; a node executable's ``-p name`` (no node prefix) is looked up whole, as before.
"""

import pytest

from vjepa_ros.config import UsageError
from vjepa_ros.nodes.launch_arguments import parse_overrides
from vjepa_ros.nodes.ros_args import check_param_item

FLOAT_8 = ("rcl reads 08 as the float 8.0 (strtol takes a leading 0 for octal, and 8 is no "
           "octal digit), which {name}, a whole number, refuses: write 8")
SEED = "planner has no parameter 'seed' (closest: -p planner.planner.seed:=...)"


@pytest.mark.parametrize("item, said", [
    # the node prefix once (the planner's own name needs it twice), octal and float digits
    ("planner.seed:=08", SEED),
    ("planner.seed:=010", SEED),
    # a misspelt name: the closest by its last part
    ("planner.planner.sampels:=0100",
     "planner has no parameter 'planner.sampels' (closest: -p planner.planner.samples:=...)"),
    ("planner.sampels:=0100",
     "planner has no parameter 'sampels' (closest: -p planner.planner.samples:=...)"),
    # another node's parameter, whole, under the wrong node: not that node's setting
    ("camera.planner.seed:=08", "camera has no parameter 'planner.seed'"),
    ("sim.planner.samples:=[08]", "sim has no parameter 'planner.samples'"),
])
def test_a_name_the_node_does_not_declare_is_refused_as_unknown_before_its_digits(item, said):
    with pytest.raises(UsageError) as caught:
        parse_overrides([item])
    assert str(caught.value) == f"-p {item.partition(':=')[0]}: {said}", str(caught.value)


@pytest.mark.parametrize("item, name", [
    ("planner.planner.seed:=08", "planner.seed"),  # the planner's, as NODE + name
    ("sim.seed:=08", "seed"),  # the sim's own seed, not looked up among the planner's
])
def test_a_declared_name_gets_the_digits_line_naming_the_parameter(item, name):
    with pytest.raises(UsageError) as caught:
        parse_overrides([item])
    assert str(caught.value) == f"-p {item.partition(':=')[0]}: {FLOAT_8.format(name=name)}"


def test_the_fixed_value_of_the_launch_form_is_taken():
    assert parse_overrides(["planner.planner.seed:=8", "sim.seed:=8"]) == {
        "planner": {"planner.seed": 8}, "sim": {"seed": 8}}


def test_rclpys_own_parameter_is_not_called_unknown():
    with pytest.raises(UsageError) as caught:
        parse_overrides(["planner.use_sim_time:=010"])
    assert "has no parameter" not in str(caught.value)
    assert "rcl reads 010 as the octal number 8" in str(caught.value)


@pytest.mark.parametrize("item, name", [("planner.seed:=08", "planner.seed"),
                                        ("seed:=08", "seed")])
def test_a_node_executables_p_is_looked_up_whole(item, name):
    with pytest.raises(ValueError) as caught:
        check_param_item(item)
    assert str(caught.value) == f"-p {name}: {FLOAT_8.format(name=name)}"
