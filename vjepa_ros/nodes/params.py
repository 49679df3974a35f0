"""Declare a typed config dataclass as ROS parameters (with descriptions) and read it back."""

from __future__ import annotations

import array
import ast
import dataclasses
import re
from collections.abc import Callable, Collection

from rcl_interfaces.msg import ParameterDescriptor, SetParametersResult
from rclpy.exceptions import InvalidParameterTypeException
from rclpy.node import Node
from rclpy.parameter import Parameter

from vjepa_ros.config import field_hint, flatten, from_dict, item_type
from vjepa_ros.name_lists import closest_name  # noqa: F401 - as before, from here too
from vjepa_ros.nodes.param_type_errors import _RCLPY_PARAMETERS, _takes, type_error
from vjepa_ros.nodes.start_only import start_only_message
from vjepa_ros.nodes.unknown_params import (  # noqa: F401 - UnknownParameterError
    UnknownParameterError,
    refuse_undeclared_overrides,
    refuse_undeclared_sets,
    start_up_overrides,
)

_ARRAY_TYPES = {
    str: Parameter.Type.STRING_ARRAY,
    int: Parameter.Type.INTEGER_ARRAY,
    float: Parameter.Type.DOUBLE_ARRAY,
    bool: Parameter.Type.BOOL_ARRAY,
}
_EMPTY_ARRAY_TYPES = {*_ARRAY_TYPES.values(), Parameter.Type.BYTE_ARRAY}


def _untyped_empty(parameter: Parameter) -> bool:
    """Whether ``parameter`` is an empty list whose element type ROS had to guess.

    ``[]`` carries no type: ``-p x:=[]`` arrives without a value (NOT_SET),
    ``Parameter(value=[])`` as a byte array and ``ros2 param set ... "[]"`` as a bool array.
    """
    if parameter.type_ == Parameter.Type.NOT_SET:
        return True
    return parameter.type_ in _EMPTY_ARRAY_TYPES and len(parameter.value) == 0


def _typed_lists(params: list[Parameter], declared_types: dict) -> list[Parameter]:
    """Return ``params`` with untyped empty lists and integers for floats typed as declared.

    An empty list takes the list parameter's declared type; an integer list given for a float
    list parameter becomes floats (``[1, 0]`` for ``goal_gripper``), an integer for a float
    parameter a float (``planner.maxnorm:=3``; ``declared_types`` holds those as ``DOUBLE``).
    """
    typed = []
    for p in params:
        if declared_types.get(p.name, Parameter.Type.DOUBLE) != Parameter.Type.DOUBLE and \
                _untyped_empty(p):
            p = Parameter(p.name, declared_types[p.name], [])
        elif _ints_for_floats(p, declared_types):
            value = float(p.value) if p.type_ == Parameter.Type.INTEGER else \
                [float(v) for v in p.value]
            p = Parameter(p.name, declared_types[p.name], value)
        typed.append(p)
    return typed


def _ints_for_floats(parameter: Parameter, declared_types: dict) -> bool:
    """Whether ``parameter`` is an integer (list) given for a float (list) parameter."""
    return (declared_types.get(parameter.name), parameter.type_) in (
        (Parameter.Type.DOUBLE_ARRAY, Parameter.Type.INTEGER_ARRAY),
        (Parameter.Type.DOUBLE, Parameter.Type.INTEGER))


def declare_config(node: Node, defaults, run_time: Collection[str] = (),
                   words: Callable[[str], str] | None = None,
                   check: Callable[[object], None] | None = None):
    """Declare every field of dataclass ``defaults`` on ``node``; return the configured copy.

    Values given at start-up (``--ros-args --params-file``, launch ``parameters=[...]``,
    ``parameter_overrides``) win over the defaults; the result is type-checked by
    :func:`vjepa_ros.config.from_dict`. A list field whose default is empty is declared with its
    array type (``list[str]`` → string array), since rclpy cannot infer a type from ``[]``; an
    empty list given for a list parameter, at start-up or at run time, is taken as an empty list
    of its declared type (:func:`_untyped_empty`), and an integer (list) for a float (list)
    parameter as floats (``-p planner.maxnorm:=3``, as a params file's ``maxnorm: 3``). A
    start-up value for a parameter the node does not have raises ValueError
    (:func:`refuse_undeclared_overrides`), and so does one of another type (:func:`type_error`).
    ``run_time``: the names the node applies when set at run time (``ros2 param set``); a
    run-time value for any other is refused as read at start only (:func:`_check_run_time_sets`),
    unless the node's settings refuse the value itself: then with their error, passed through
    ``words`` (the node's names for its settings: ``planner_config.parameter_message``), or
    unless ``check`` (the node's own checks of its settings beyond the dataclasses', which the
    node runs at start-up too: ``planner_settings.check_planner_settings``) raises ValueError
    for the settings with it: then with that error, as the start-up gives it. A run-time value
    that equals the value in force is taken as a no-op (``ros2 param load`` of the node's own
    dump). A run-time value for a name the node does not have gets one line naming it
    (:func:`refuse_undeclared_sets`).
    """
    assert dataclasses.is_dataclass(defaults)
    overrides = start_up_overrides(node)
    names = {name for name, _, _ in flatten(defaults)}
    try:
        values, declared_types = _declare(node, defaults, overrides,
                                          set(run_time) | set(_RCLPY_PARAMETERS))
    except InvalidParameterTypeException as exc:  # rclpy's words: "Trying to set parameter ..."
        name = str(exc).rsplit(": ", 1)[-1]  # "...: NAME" (rclpy's ParameterException)
        if name not in overrides or name not in names:
            raise ValueError(" ".join(str(exc).split())) from None
        raise type_error(name, overrides[name].value, defaults) from None
    if declared_types and hasattr(node, "add_pre_set_parameters_callback"):  # rclpy >= Iron
        # At run time too (ros2 param set NODE goal_image_paths "[]"): typed before it is set.
        node.add_pre_set_parameters_callback(lambda params: _typed_lists(params, declared_types))
    _check_run_time_sets(node, defaults, names, set(run_time) | set(_RCLPY_PARAMETERS), words,
                         check)
    refuse_undeclared_overrides(node)
    refuse_undeclared_sets(node)
    return from_dict(type(defaults), values)


# rclpy's InvalidParameterTypeException text (rclpy.exceptions), for its own parameters
_RCLPY_TYPE_ERROR = re.compile(r"Trying to set parameter '(?P<name>[^']*)' to '(?P<value>.*)' "
                               r"of type '(?P<type>\w+)', expecting type '\w+'", re.DOTALL)


def rclpy_type_error(exc: BaseException) -> BaseException:
    """Return rclpy's start-up type error of its own parameter as :func:`type_error`'s line.

    ``Node.__init__`` declares ``use_sim_time`` before any node code runs; a ``-p
    use_sim_time:=1`` (or a params file's ``use_sim_time: 1``) raises rclpy's
    ``InvalidParameterTypeException`` ("Trying to set parameter 'use_sim_time' to '1' of type
    'INTEGER', expecting type 'BOOL'"). That becomes ``parameter 'use_sim_time' takes true or
    false, got 1 (an integer)``, a :class:`config.ValueTypeError` naming it (typed as ``-p``: a
    usage error), as a run-time set says it. Any other ``exc`` is returned as it is.
    """
    match = _RCLPY_TYPE_ERROR.search(str(exc))
    if not isinstance(exc, InvalidParameterTypeException) or match is None or \
            match["name"] not in _RCLPY_PARAMETERS:
        return exc
    value = match["value"]
    if match["type"] != "STRING":
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
    return type_error(match["name"], value, None)


_TYPE_CHECK = "_vjepa_parameter_type_check"  # the node attribute holding the run-time check


def _check_run_time_sets(node: Node, defaults, names, run_time: set, words=None,
                         settings_check=None) -> None:
    """Answer a run-time value (``ros2 param set``) the node cannot take in our words.

    A parameter not in ``run_time`` is read at start only: a value for it is refused with
    ``start_only.start_only_message`` (with what it takes after it when the value has another
    type too), rather than stored to do nothing; a value of its type that the node's settings
    refuse (:func:`_value_problem`: ``goals.rule must be one of ...``) with their error instead,
    so that no restart is advised with a value the node would refuse at start (a run-time
    one's value of its type is the node's own callbacks' to check). A value of another type
    for a run-time one: rclpy refuses it before any callback of the node runs, as ``Wrong parameter
    type, expected '4' got '2'`` (``Node._apply_descriptor``). Each parameter of ``defaults`` (and
    ``use_sim_time``) is therefore marked ``dynamic_typing`` once declared, and an on-set
    callback refuses another type with :func:`type_error`'s line (``parameter
    'goal_image_path' takes a string (...), got 5 (an integer)``) and an unset value (which
    would undeclare the parameter). rclpy writes the new value's type into the stored
    descriptor before the callbacks run; the callback writes the declared one back, so ``ros2
    param describe`` keeps showing the declared type. Other on-set callbacks of the node go
    through :func:`on_set_parameters`, which keeps this check first. A start-only parameter
    set to the value in force (:func:`_in_force`) is no change and succeeds.
    """
    declared = {name: node.describe_parameter(name).type for name in names}
    declared.update({name: node.describe_parameter(name).type for name in _RCLPY_PARAMETERS
                     if node.has_parameter(name)})
    for name in declared:
        node.describe_parameter(name).dynamic_typing = True

    def check(params) -> SetParametersResult:
        for p in params:
            expected = declared.get(p.name)
            if expected is None or (p.type_.value == expected and (
                    p.name in run_time or _in_force(node, p))):
                continue
            for q in params:  # rclpy wrote the given types into the descriptors: undo that
                if q.name in declared:
                    node.describe_parameter(q.name).type = declared[q.name]
            unset = p.type_ == Parameter.Type.NOT_SET
            wrong = "" if unset or p.type_.value == expected else _takes(p.name, p.value, defaults)
            problem = "" if unset or wrong else _value_problem(node, defaults, p, words,
                                                                  settings_check)
            if problem:
                reason = problem
            elif p.name not in run_time:
                reason = start_only_message(node.get_name(), p.name,
                                            None if unset else p.value, wrong)
            elif unset:
                reason = f"parameter '{p.name}' cannot be unset: give it a value"
            else:
                reason = f"parameter '{p.name}' {wrong}"
            return SetParametersResult(successful=False, reason=reason)
        return SetParametersResult(successful=True)

    setattr(node, _TYPE_CHECK, check)
    node.add_on_set_parameters_callback(check)


def _in_force(node: Node, parameter: Parameter) -> bool:
    """Whether ``parameter`` (of its declared type) holds the value the node runs with.

    Lists compare by their items (rclpy gives arrays); an empty list declared by its type
    alone reads None. An integer for a float parameter was made a float before
    (:func:`_typed_lists`), and 800 equals 800.0 anyway.
    """
    current = node.get_parameter(parameter.name).value
    value = parameter.value
    if isinstance(value, (array.array, tuple, list)) or current is None:
        return list(value or []) == list(current or [])
    return value == current


def _value_problem(node: Node, defaults, parameter: Parameter, words=None, check=None) -> str:
    """Return why the node's settings refuse ``parameter``'s value ("" when they take it).

    The settings ``defaults``' class builds from the node's current values with this one
    (``config.from_dict``: each dataclass's own checks), then their ``check()`` where they have
    one (``SimConfig``, ``PlaybackConfig``): their ValueError on one line, through ``words``;
    then ``check`` (the node's own checks, as at start-up): its ValueError on one line. "" also
    where the current values alone are refused (a node whose own checks came later):
    the value is not what is wrong then.
    """
    values = {}
    for name, default, _ in flatten(defaults):
        value = node.get_parameter(name).value
        if value is None:  # an empty list declared by its type alone
            value = default
        values[name] = list(value) if isinstance(value, (array.array, tuple)) else value
    if _settings_problem(type(defaults), values, words, check):
        return ""
    value = parameter.value
    values[parameter.name] = list(value) if isinstance(value, (array.array, tuple)) else value
    return _settings_problem(type(defaults), values, words, check)


def _settings_problem(cls, values: dict, words=None, check=None) -> str:
    """Return the one-line ValueError of settings ``cls`` built from ``values`` ("" none).

    The dataclasses' (and their ``check()``'s) through ``words``; then ``check``'s as it is.
    """
    try:
        settings = from_dict(cls, values)
        own = getattr(settings, "check", None)
        if callable(own):
            own()
    except ValueError as exc:
        text = " ".join(str(exc).split())
        return words(text) if words is not None else text
    try:
        if check is not None:
            check(settings)
    except ValueError as exc:
        return " ".join(str(exc).split())
    return ""


def on_set_parameters(node: Node, callback) -> None:
    """``node.add_on_set_parameters_callback(callback)``, keeping the type check first.

    rclpy calls the last callback added first; the type check of :func:`declare_config` must
    see a value before ``callback`` does (and before ``callback`` refuses it for another reason,
    which would leave the given type in the descriptor).
    """
    node.add_on_set_parameters_callback(callback)
    check = getattr(node, _TYPE_CHECK, None)
    if check is not None:
        node.remove_on_set_parameters_callback(check)
        node.add_on_set_parameters_callback(check)


# How ``ros2 param describe`` (and rqt_reconfigure) tells a start-only parameter: its
# description's start, and its additional constraints. Not read_only: rclpy refuses any set of
# a read-only parameter, also to the value in force (``ros2 param load`` of a dump).
START_ONLY = "Read at start only: "
START_ONLY_CONSTRAINT = ("read at start only: give it at start-up (-p NAME:=VALUE, "
                         "--params-file) and restart the node; a run-time set of another "
                         "value is refused")


def _descriptor(name: str, description: str, run_time: Collection[str]) -> ParameterDescriptor:
    """Return the descriptor of parameter ``name``: a start-only one says so (START_ONLY)."""
    if name in run_time:
        return ParameterDescriptor(description=description)
    return ParameterDescriptor(description=START_ONLY + description,
                               additional_constraints=START_ONLY_CONSTRAINT)


def _declare(node: Node, defaults, overrides: dict,
             run_time: Collection[str] = ()) -> tuple[dict, dict]:
    """Declare the fields of ``defaults`` (:func:`declare_config`); return two dicts by name.

    The values, and the declared types: the array type of each list parameter, ``DOUBLE`` for
    each float (:func:`_typed_lists`). A parameter not in ``run_time`` is described as start
    only (:func:`_descriptor`).
    """
    values, declared_types = {}, {}
    for name, default, description in flatten(defaults):
        descriptor = _descriptor(name, description, run_time)
        if isinstance(default, list):
            declared_types[name] = _ARRAY_TYPES[item_type(field_hint(type(defaults), name))]
        elif isinstance(default, float):  # an integer given (-p planner.maxnorm:=3) is a float
            declared_types[name] = Parameter.Type.DOUBLE
        given = overrides.get(name)
        if given is not None and (_ints_for_floats(given, declared_types) or (
                isinstance(default, list) and _untyped_empty(given))):
            # An empty list, or integers for floats, given at start-up: declare, then set it
            # with the declared type.
            (typed,) = _typed_lists([given], declared_types)
            node.declare_parameter(name, default if default or isinstance(default, float)
                                   else declared_types[name], descriptor, ignore_override=True)
            node.set_parameters([typed])
            values[name] = list(typed.value) if isinstance(default, list) else typed.value
        elif isinstance(default, list) and not default:
            value = node.declare_parameter(name, declared_types[name], descriptor).value
            values[name] = [] if value is None else list(value)
        else:
            values[name] = node.declare_parameter(name, default, descriptor).value
    return values, declared_types
