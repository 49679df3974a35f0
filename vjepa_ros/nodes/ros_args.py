"""A node executable's ROS arguments (``--ros-args ...``), checked before rclpy.init (no rclpy).

``rclpy.init`` refuses a bad ``--params-file``, ``-p`` or ``-r`` with a 20-line traceback
ending in rcl's words (``RCLError: ... Couldn't parse params file ... at /project/src/...``).
:func:`check_ros_args` says the same in the one line ``vjepa-ros launch`` prints, naming the
argument: parameter files as rcl reads them, including a section that applies to no node the
executable starts (``params_file.check_params_file``), and ``-p NAME:=VALUE`` items.
:func:`ros_args_error` turns what rclpy still raises (an argument of another kind) into one line.
"""

from __future__ import annotations

import json
import re
import shlex

from vjepa_ros.cli_parser import empty_refusal
from vjepa_ros.nodes.node_registry import NODES, default_namespace
from vjepa_ros.nodes.param_names import known_parameters, meant_name, param_name_problem
from vjepa_ros.nodes.param_ranges import NODE_FORM, digits_refusal
from vjepa_ros.nodes.param_sources import PACKAGED, packaged_name
from vjepa_ros.nodes.params_file import (
    FLAT_LIST,
    check_params_file,
    list_fix,
    list_kinds,
    nested_kind,
)
from vjepa_ros.nodes.ros_names import namespace_problem, node_name_problem
from vjepa_ros.ros_environment import rcl_text
from vjepa_ros.ros_values import yaml_value

# rcl's flags that take a value (the next argument); the others stand alone
_VALUED = {"-p": "-p", "--param": "-p", "-r": "-r", "--remap": "-r", "--params-file":
           "--params-file", "-e": "-e", "--enclave": "-e", "--log-level": "--log-level",
           "--log-config-file": "--log-config-file", "--log-file-name": "--log-file-name"}
# rcl's flags that take no value (ros2 run NODE --ros-args --help)
BARE_FLAGS = ("--enable-rosout-logs", "--disable-rosout-logs", "--enable-stdout-logs",
              "--disable-stdout-logs", "--enable-external-lib-logs",
              "--disable-external-lib-logs")
_EXAMPLE = "use_sim_time:=true"


def is_ros_flag(arg: str) -> bool:
    """Whether ``arg`` is one of rcl's flags (``-p``, ``--params-file``, ``--log-level``, ...)."""
    return arg in _VALUED or arg in BARE_FLAGS


def ros_arguments(argv: list[str]) -> list[tuple[str, str | None]]:
    """Return ``(flag, value)`` of each argument between ``--ros-args`` and ``--`` (or the end).

    Long flags come as their short form (``--param`` → ``-p``, ``--remap`` → ``-r``); a flag
    without a value gets ``None`` (rcl refuses a valued flag at the end: ``ros_args_error``).
    """
    return [(flag, None if at is None else argv[at]) for flag, at in _ros_flags(argv)]


def _ros_flags(argv: list[str]):
    """Yield ``(flag, index of its value in argv)`` of each ROS argument (:func:`ros_arguments`).

    The index is None for a flag without a value (a bare flag, a valued one at the end).
    """
    inside, index = False, 0
    while index < len(argv):
        arg = argv[index]
        if arg in ("--ros-args", "--"):
            inside = arg == "--ros-args"
        elif inside and arg in _VALUED:
            index += 1
            yield _VALUED[arg], index if index < len(argv) else None
        elif inside:
            yield arg, None
        index += 1


def with_params_files_expanded(argv: list[str]) -> list[str]:
    """Return ``argv`` with each ``--ros-args --params-file`` path's ``~`` and ``$VAR`` expanded.

    rcl opens the path as written: ``--params-file '~/goal_pub.yaml'`` (or ``$HOME/...``,
    ``${HOME}/...``) that no shell expanded (quoted, a systemd ``ExecStart``, a Docker
    exec-form ``CMD``) failed "Error opening YAML file" about a file that is there (breaker57f).
    Expanded by ``user_paths.expand_path``, the rule of every path a user writes; a path
    naming a variable that is not set is kept, for :func:`check_ros_args` to refuse naming it.
    """
    from vjepa_ros.user_paths import expand_path

    expanded = list(argv)
    for flag, at in _ros_flags(argv):
        if flag == "--params-file" and at is not None and (
                argv[at].startswith("~") or "$" in argv[at]):
            try:
                expanded[at] = str(expand_path(argv[at]))
            except ValueError:
                pass  # an unset variable: check_params_file names it
    return expanded


def node_name(name: str, arguments: list[tuple[str, str | None]],
              namespace: str | None = None) -> str:
    """Return the fully qualified name of node ``name`` after ``-r __node:=``/``__ns:=``, as rcl.

    ``namespace``: the one the node's class gives rclpy (``camera``); None: the built-in one of
    this package's node named ``name`` (``node_registry.default_namespace``: the camera node
    runs as ``/camera/camera``, breaker61b), the root for any other name. A ``__ns:=`` rule
    replaces it.

    rcl (``rcl_node_init``, ``rcl_remap_first_match``) takes the FIRST rule of each kind that
    applies, not the last: the first ``__node:=`` (or ``__name:=``) rule for every node or for
    ``name`` (``name:__node:=``) renames it; then the first ``__ns:=`` rule for every node or for
    the node's NEW name sets its namespace (``-r image_publisher:__ns:=/robot1 -r
    image_publisher:__node:=goal_pub``: ``/goal_pub``; ``-r __node:=first -r __node:=second -r
    __ns:=/a -r __ns:=/b``: ``/a/first``).
    """
    if namespace is None:
        namespace = default_namespace(name)
    name = _first_rule(("__node", "__name"), name, arguments) or name
    namespace = (_first_rule(("__ns",), name, arguments) or namespace or "/").strip("/")
    return f"/{namespace}/{name}" if namespace else f"/{name}"


def _first_rule(sources: tuple[str, ...], name: str,
                arguments: list[tuple[str, str | None]]) -> str | None:
    """Return the target of the first ``-r`` rule from one of ``sources`` that applies to ``name``.

    A rule applies to every node (``__ns:=/a``) or to the node it names (``name:__ns:=/a``).
    None where no rule does (an empty target is returned: rcl refuses it, ``check_ros_args``).
    """
    for flag, rule in arguments:
        if flag != "-r" or not rule or ":=" not in rule:
            continue
        source, _, target = rule.partition(":=")
        only, _, source = source.rpartition(":")
        if source in sources and (not only or only == name):
            return target
    return None


def started_name(name: str, argv: list[str]) -> str:
    """Return the name node ``name`` runs under with ``argv``'s ``-r __node:=`` (no namespace).

    The prefix of a node executable's own lines (``-r __node:=cam2`` → ``cam2: ...``); ``name``
    where no rule renames it (or one renames it to nothing, which rcl refuses).
    """
    return node_name(name, ros_arguments(argv)).rpartition("/")[2] or name


# -r __ns:=, __node:= (__name:=, its other spelling to rcl)
_NAME_RULES = {"__ns": namespace_problem, "__node": node_name_problem,
               "__name": node_name_problem}


def check_ros_args(argv: list[str], node: str, like: str = "config/planner.yaml",
                   needs: dict[str, str] | None = None, registry: str | None = None) -> None:
    """Refuse the ROS arguments rcl would refuse, and parameter files that miss the node.

    Args:
        argv: the executable's arguments (``sys.argv``).
        node: the node's ROS name before remapping (``vjepa_planner``).
        like: the package's example parameter file, for the message.
        needs: ``{parameter: what it takes}`` for the node's parameters an empty value fails
            (``config.empty_refused``): a ``-p NAME:=`` left empty says that.
        registry: the node's ``node_registry.NODES`` key (``planner``): its ``-p`` names and its
            files' values are looked up among that node's parameters (zero-led digits by the
            type it declares, a name it does not declare refused as unknown first); None:
            among every node's.
    Raises:
        ValueError: one line naming the argument: a valued flag with nothing after it, a
            ``--params-file`` that :func:`check_params_file` refuses (given the node, remapped
            by ``-r __ns:=`` or ``-r __node:=``), a ``-p`` without ``NAME:=`` or whose value is
            no ROS value, a ``-r __ns:=`` namespace or ``-r __node:=`` node name rcl refuses
            (``ros_names``), or such a rule for a node named otherwise than by its bare node
            name (``-r /image_publisher:__node:=x``).
    """
    arguments = ros_arguments(argv)
    for flag, value in arguments:
        if flag in _VALUED.values() and value is None:
            raise ValueError(f"--ros-args {flag}: no value follows it (the last argument): give "
                             f"{flag} VALUE or leave it out")
        if flag == "--params-file":  # the package's own file named as launch names it
            check_params_file(value, PACKAGED if packaged_name(value) else "--params-file",
                              like=like, nodes=[node_name(node, arguments)], registry=registry)
        elif flag == "-p":
            check_param_item(value, needs, registry, ros_name=node)
        elif flag == "-r" and ":=" not in value:
            raise ValueError(f"-r expects FROM:=TO (e.g. -r image:=/camera/color/image_raw), "
                             f"got {value!r}")
        elif flag == "-r" and value.partition(":=")[0].rpartition(":")[2] in _NAME_RULES:
            only, _, source = value.partition(":=")[0].rpartition(":")
            problem = _NAME_RULES[source](value.partition(":=")[2])
            if problem:
                raise ValueError(f"-r {value}: {problem}")
            if only and node_name_problem(only):  # rcl's lexer: a bare name before ':'
                raise ValueError(
                    f"-r {value}: the node a rule is for is named by its node name alone "
                    f"(letters, digits, '_'; no '/' or namespace), not {only!r}: e.g. -r "
                    f"{only.rpartition('/')[2] or node}:{value.partition(':')[2]}")


def check_param_item(item: str, needs: dict[str, str] | None = None,
                     node: str | None = None, ros_name: str = "") -> None:
    """Refuse ``-p NAME:=VALUE`` (rcl's form) as rcl would: ValueError naming the item.

    An empty item (``-p ''``) in the words of ``vjepa-ros launch -p ''``
    (``cli_parser.empty_refusal``); a name rcl's lexer refuses (``rate-hz``, a space:
    ``param_names``) in words, with the closest parameter of the node to give. ``needs``: as
    :func:`check_ros_args`'; ``node``: its ``registry`` (NAME looked up among that node's
    parameters; None: every node's); ``ros_name``: the node's ROS name (default: the
    registry entry's), whose parameters the closest name is taken from.
    """
    if not item.strip():
        raise ValueError(f"--ros-args -p: {empty_refusal(item, f'NAME:=VALUE (e.g. {_EXAMPLE})')}")
    name, sep, raw = item.partition(":=")
    if not sep or not name or name.endswith((".", ":")):
        raise ValueError(f"-p expects NAME:=VALUE (e.g. -p {_EXAMPLE}), got {item!r}")
    problem = param_name_problem(name)
    if problem:
        ros_name = ros_name or (NODES[node].ros_name if node in NODES else "")
        meant = meant_name(name, known_parameters(ros_name)) if ros_name else ""
        prefix = name.strip().rpartition(":")[0]
        give = f"-p {shlex.quote(f'{prefix}:' * bool(prefix) + f'{meant}:={raw}')}"
        raise ValueError(f"-p {shlex.quote(item)}: {problem}" +
                         (f"; did you mean {give}?" if meant else ""))
    value = yaml_value(name, raw, "name")
    check_param_value(name, value, raw, (needs or {}).get(name.rpartition(":")[2], ""),
                      own=node)
    if isinstance(value, list) and len(list_kinds(value)) > 1:
        raise ValueError(mixed_list(name, value))


def check_param_value(key: str, value, raw: str = "", needs: str = "",
                      node: str | None = None, own: str | None = None) -> None:
    """Refuse a ``-p key:=...`` value no ROS parameter holds: ValueError naming ``-p key``.

    ``value`` as :func:`yaml_value` reads ``raw``; the one line says what to write. A mapping
    (``{a: 1}``: one ``-p`` per parameter, ``-p key.a:=VALUE``, or a quoted string for a
    parameter that takes YAML text, ``model.encoder_args``), no value or a list with an empty
    entry (None: rcl's "No value"; ``-`` is YAML's list of one empty entry) and a list holding
    lists or mappings (``[[1]]``: one flat list), a value holding a YAML comment (``a.png
    #2``: rcl reads ``a.png``, :func:`cut_at_comment`), and zero-led digits the node would not get
    as typed (``0100``: 64; ``08``, the float 8.0, for a whole-number or string parameter:
    ``param_ranges.digits_refusal``; a quoted ``'0100'`` is a string, taken).
    Shared by a node executable's ``--ros-args -p`` (:func:`check_param_item`) and
    ``vjepa-ros launch -p NODE.name:=...``. ``needs``: what the parameter takes where an empty
    string fails too (:func:`no_value`). ``node``: ``launch``'s ``NODE`` of ``key``
    (``NODE.name``): the parameter is looked up as ``name`` of that node, not as ``key``;
    ``own``: a node executable's node (a ``NODES`` key): ``key`` is looked up among its
    parameters (unknown: refused as ``vjepa_planner has no parameter 'seed' (closest: -p
    planner.seed:=...)``). Neither: among every node's.
    """
    if isinstance(value, dict):
        first = next((str(name) for name in value), "NAME")
        raise ValueError(f"-p {key}: a ROS parameter is a value or a list, not a mapping: give "
                         f"one -p per parameter (-p {key}.{first}:=VALUE), or quote a mapping "
                         f"a string parameter takes as text (-p '{key}:=\"{{...}}\"')")
    if value is None or (isinstance(value, list) and None in value):
        raise ValueError(no_value(key, value, raw, needs))
    if comment_start(raw) is not None:
        raise ValueError(cut_at_comment(key, value, raw))
    if node is not None:  # launch's NODE.name
        digits = digits_refusal(key.partition(".")[2], value, node)
    elif own is not None:  # a node executable's own name
        digits = digits_refusal(key, value, own, NODES[own].ros_name, NODE_FORM)
    else:
        digits = digits_refusal(key, value)  # rcl gives the node 64 for 0100, 8.0 for 08
    if digits:
        raise ValueError(f"-p {key}: {digits[1]}")
    if nested_kind(value):
        raise ValueError(f"-p {key}: {FLAT_LIST}, this value is {nested_kind(value)}: write one "
                         f"flat list (-p {key}:='[1, 2]')")


def comment_start(raw: str) -> int | None:
    """Return where a YAML comment starts in the ``-p`` value ``raw`` (None: it holds none).

    A ``#`` outside every token of the text (after white space or at its start, not inside a
    quoted string or a word: ``a#b`` is one word): YAML drops it and what follows on its line,
    and so does rcl. None where the text is no YAML (then :func:`yaml_value` says why).
    """
    import yaml

    if "#" not in raw:
        return None
    text = raw.replace("\t", " ")  # (PyYAML's own scanner refuses tabs libyaml reads)
    try:
        spans = [(token.start_mark.index, token.end_mark.index)
                 for token in yaml.scan(text, Loader=yaml.SafeLoader)]
    except yaml.YAMLError:
        return None
    return next((index for index, char in enumerate(text) if char == "#" and not any(
        start <= index < end for start, end in spans)), None)


def cut_at_comment(key: str, value, raw: str) -> str:
    """Return the one-line refusal of ``-p key:=raw`` whose ``raw`` holds a YAML comment.

    ``-p "path:=/data/goal.png #2"``: rcl reads ``/data/goal.png`` and drops `` #2`` without a
    word (another file, or none, is used). The fix: the value quoted (a string), or no comment.
    ``value``: what rcl keeps, shown as rcl holds it (a quoted ``"/data/goal 1.png" #2``:
    ``/data/goal 1.png``, its quote marks are YAML's, not the string's); the quoted form joins
    that string and the comment as typed (``"/data/goal 1.png #2"``).
    """
    start = comment_start(raw)
    kept = value if isinstance(value, str) else raw[:start].strip()
    said = (f"-p {key}: {raw!r} holds a YAML comment (' #' starts one): rcl reads {kept!r} and "
            "drops the rest")
    if isinstance(value, str):
        whole = value + raw[len(raw[:start].rstrip()):].rstrip()  # the comment as typed
        return (f"{said}; quote the value to keep the '#': "
                f"-p {shlex.quote(f'{key}:={json.dumps(whole)}')}")
    return f"{said}; leave the comment out (from ' #' on)"


def no_value(key: str, value, raw: str, needs: str = "") -> str:
    """Return the one-line refusal of ``-p key:=raw`` read as None or a list with a None entry.

    rcl refuses an empty value that is not quoted ("No value"): ``-p key:=!!str``, ``-``
    (YAML's list of one empty entry), ``[!!str , a]``. The fix: a value there, or the quoted
    string (``-p 'key:="-"'``). ``needs``: what the parameter takes where an empty string is
    refused too (``config.empty_refused``: ``a non-empty ROS frame id ...``): said instead of
    quoting (an empty value read as an empty string would only be refused next).
    """
    if value is None:
        what = f"{raw!r} is no value to rcl"
    else:
        empty = [str(index) for index, item in enumerate(value, 1) if item is None]
        what = (f"{raw!r} reads as a list whose entr{'ies' if len(empty) > 1 else 'y'} "
                f"{', '.join(empty)} of {len(value)} {'are' if len(empty) > 1 else 'is'} empty, "
                "no value to rcl")
    text = raw.strip()
    if needs and value is None:
        return f"-p {key}: {what} (\"No value\"): give {needs}"
    if "\n" in text:
        return f"-p {key}: {what} (\"No value\"): give each entry a value"
    quoted = json.dumps(text) if text else '""'
    return (f"-p {key}: {what} (\"No value\"): give a value, or quote a string: "
            f"-p {shlex.quote(f'{key}:={quoted}')}")


def mixed_list(key: str, value: list) -> str:
    """Return the one-line refusal of ``-p key`` for a list mixing types (ROS lists hold one)."""
    return (f"-p {key}: a ROS list holds one type, this one mixes {', '.join(list_kinds(value))}; "
            f"{list_fix(value)}")


def ros_args_error(exc: BaseException) -> str:
    """Return rclpy's argument error (RCLError, UnknownROSArgsError) as one line naming it.

    ``failed to initialize rcl: Couldn't parse log level: '--log-level x'. Error: Argument does
    not use a valid severity level, at /project/src/...`` → ``--log-level x: rcl cannot parse
    this log level (Argument does not use a valid severity level)``.
    """
    text = rcl_text(exc)
    rule = re.match(r"Couldn't parse (.+?): '(.+)'\. Error: (.*)", text)
    if rule:
        return f"{rule[2]}: rcl cannot parse this {rule[1]} ({rule[3]}): see ros2 run --help"
    if type(exc).__name__ == "UnknownROSArgsError":
        return (f"--ros-args: unknown ROS argument {text.strip('[]')}; ROS arguments are -p, -r, "
                "--params-file, -e, --log-level (see ros2 run --help)")
    return f"ROS arguments: {text}"
