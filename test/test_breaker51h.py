"""breaker51h: fix51a1's launch values, namespace and dds_profile checks, typed launch arguments.

Attacked at f09ec77 (main's HEAD; fix51a1 is e49422a and f34fe14): ``nodes/launch_values.py``
(``values_file`` under ``/**`` and the node's full name, ``typed_text`` / ``node_parameters``
of sim / bag_player / image_publisher launch files), ``nodes/ros_names.py``,
``dds_profile.profile_problem``, ``param_sources.ros_arg_sources`` (argument names read from a
values file's first line). launch_ros is not installable here: the launch files run against
``test_launch_files.py``'s recording stand-ins, and what launch_ros then does follows its
source: ``ParameterValue(value_type=int/float)`` is ``int(text)`` / ``float(text)``, ``bool``
is ``yaml.safe_load(text)`` that must give a bool (``launch.utilities.type_utils.
coerce_to_type``); a dict of parameters goes to ``/tmp/launch_params_XXXX`` as
``yaml.dump({'/**': {'ros__parameters': dict}})`` (``Node._create_params_file_from_dict``).
What rcl reads is read by rcl (a bare rclpy node declaring its overrides). Each strict xfail
asserts what SHOULD happen.

Defects:

1. A params_file with ``/**:``, then the node's own section, then a third spelling rcl matches
   (``/**/vjepa_planner:``, ``/*:``, ``vjepa_planner:`` -- README lists them all as names rcl
   matches) holding ``model.checkpoint: A``: ``checkpoint:=B`` loses, the node runs on A.
   rcl merges the values file's ``/**`` and ``/vjepa_planner`` into the params_file's first
   two sections; the third, applied last, wins. README: "whatever the order of its sections".
2. ``vjepa_mpc.launch.py checkpoint:=2e5`` (``inf``, ``y``): PyYAML writes the text as a
   plain scalar (a string by PyYAML's rules), rcl reads it as the double 200000.0, inf, the
   bool true: the planner refuses "takes a string (quote one that reads as a number ...), got
   200000.0 (a float)", which no launch argument can do.
3. ``bag_player.launch.py rate:=-2`` (``image_publisher.launch.py rate_hz:=5000``): the node's
   refusal names launch_ros' temporary file, ``bag_player: --params-file
   /tmp/launch_params_XXXX: rate must lie in (0, 100], got -2.0``, not the argument as
   ``vjepa_mpc.launch.py`` now does (breaker51a defect 4, declared fixed, fixed for one of the
   four launch files).
4. ``sim.launch.py publish_clock:=tRuE`` (``bag_player.launch.py loop:=fALSE``): the launch's
   check takes "true or false in any case"; launch_ros' bool is YAML's, which refuses it at
   node start ("Cannot convert value 'tRuE' to '<class 'bool'>'", no argument named).
5. ``sim.launch.py seed:=9223372036854775808`` (past int64): taken by the check, written by
   launch_ros as that number, read by rcl as the double 9.2e18: the node gets a float for an
   integer parameter.
6. ``vjepa_mpc.launch.py namespace:=`` a 220-character name: ``namespace_problem`` takes it
   (<= 245), but rclpy cannot make the planner there ("InvalidServiceNameException: Invalid
   service name: topic length should not exceed '255U - 8U'" for its parameter services),
   a multi-line traceback, the argument not named.
7. ``vjepa_mpc.launch.py dds_profile:=config/planner.yaml`` (or an empty file): readable, so
   taken; Fast DDS prints "[XMLPARSER Error] Error opening ... Error parsing ..." and runs
   on its defaults (the 512 KiB segment), what ``profile_problem`` exists to stop.
8. ``ros2 run vjepa_ros image_publisher --ros-args -r __node:=`` a 300-character name (rcl's
   lexer takes it): rclpy's RuntimeWarning, its source line, then "error creating node:
   invalid node name: node name length should not exceed '255'": the three lines fix51a1
   turned into one for ``-r __ns:=`` (``check_ros_args`` checks namespaces, not node names).
9. ``FASTDDS_DEFAULT_PROFILES_FILE=/no/such.xml`` in the environment: ``vjepa_mpc.launch.py``
   (its ``dds_profile`` default) refuses it in one line; ``bag_player.launch.py`` /
   ``image_publisher.launch.py`` (which pass the variable on) and the node executables start,
   Fast DDS printing "[XMLPARSER Error] realpath failed" and running on its defaults.

Fixed in fix51l (the markers removed; 3 and 5 now assert the refusal before any node starts,
as their "Should" asks): every defect above, with more spellings, texts and launch files.

Held up (pins below): the namespace rules against rclpy's validator on 2000 random names of
``ab1_/~ .-``; int / float arguments (`` 5 ``, ``+1``, ``1_000``, ``-0``, Arabic-Indic digits,
``1e3`` for a float; ``0x10`` and ``1e3`` refused for an int) typed as launch_ros types them;
an empty optional argument left to the shipped YAML; a value equal to the YAML's default still
given; two planners (``namespace:=arm1`` / ``arm2``) each given only its own values file, rcl
giving each its own checkpoint; the first-line header with ``#``, ``:``, newline, spaces and
non-ASCII text: valid YAML for rcl, the text read back as given, the argument named right.
Not reached: launch_ros itself (not installable); ``PushRosNamespace`` plus ``namespace``
together past the length limit; node-name rules (the launch files fix the names).
"""

import os
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from test_launch_files import load_launch_file

rclpy = pytest.importorskip("rclpy", reason="rclpy is installed by scripts/bootstrap.sh")
from test_breaker51a import _rcl_reads  # noqa: E402

from vjepa_ros.nodes.launch_values import argument_sources, typed_text  # noqa: E402
from vjepa_ros.nodes.ros_names import namespace_problem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"bag_player.launch.py": {"bag": "run1"}, "sim.launch.py": {},
            "image_publisher.launch.py": {"path": "goal.png"}}


def _node(entities, executable=None) -> dict:
    """Return the keyword arguments of the launch's Node (of ``executable`` if given)."""
    return next(e.kwargs for e in entities if type(e).__name__ == "Node"
                and executable in (None, e.kwargs["executable"]))


def _planner_files(monkeypatch, **given) -> list[str]:
    """Return the planner's ``--params-file`` files as launch_ros passes them, in order."""
    planner = _node(load_launch_file(monkeypatch, "vjepa_mpc.launch.py", **given),
                    "planner_node")
    return [given["params_file"] if type(p).__name__ == "LaunchConfiguration" else str(p)
            for p in planner["parameters"]]


def _planner_reads(monkeypatch, namespace="", **given) -> dict:
    """Return what rcl gives the planner (in ``namespace``) from the launch's files."""
    files = _planner_files(monkeypatch, **({"namespace": namespace} if namespace else {}),
                           **given)
    return _rcl_reads(*(arg for path in files for arg in ("--params-file", path)),
                      namespace=f"/{namespace}" if namespace else None)


def _launch_ros_typed(value, text: str):
    """Return what launch_ros makes of a ParameterValue's ``text`` (its coerce_to_type)."""
    kind = value.kwargs["value_type"]
    if kind is bool:
        loaded = yaml.safe_load(text)
        if not isinstance(loaded, bool):
            raise ValueError(f"Cannot convert value '{text}' to '{bool}'")
        return loaded
    return kind(text)


def _launch_ros_files(node: dict, texts: dict, folder: Path) -> list[str]:
    """Return the node's ``--params-file`` files as launch_ros writes them (dicts dumped)."""
    files = []
    for parameters in node["parameters"]:
        if isinstance(parameters, dict):
            typed = {name: _launch_ros_typed(value, texts[value.args[0].args[0]])
                     for name, value in parameters.items()}
            with tempfile.NamedTemporaryFile("w", prefix="launch_params_", dir=folder,
                                             delete=False) as file:
                yaml.dump({"/**": {"ros__parameters": typed}}, file, default_flow_style=False)
            parameters = file.name
        files.append(str(parameters))
    return files


@pytest.mark.parametrize("namespace, third", [
    ("arm1", "/**/vjepa_planner"), ("", "/*"), ("", "vjepa_planner"), ("", "/**/vjepa_planner"),
    ("arm1", "/arm1/*"), ("arm1", "/*/vjepa_planner"), ("arm1", "/**/*"), ("arm1", "/*/*"),
    ("arm1", "/arm1/**"), ("arm1", "arm1/vjepa_planner"), ("", "/**/**")])
def test_a_given_argument_wins_over_a_third_section_matching_the_planner(
        monkeypatch, tmp_path, namespace, third):
    """``vjepa_mpc.launch.py namespace:=arm1 params_file:=lab.yaml checkpoint:=B``.

    lab.yaml (a lab with several arms): ``/**:`` (shared: ``model.device``), ``/arm1/
    vjepa_planner:`` (this arm's search), ``/**/vjepa_planner:`` (every planner's usual
    ``model.checkpoint: A``). rcl merges the values file's ``/**`` and ``/arm1/vjepa_planner``
    into lab.yaml's first two sections and applies ``/**/vjepa_planner`` last: the planner is
    given A. Likewise ``/*:`` or ``vjepa_planner:`` (no slash) after ``/vjepa_planner:``.
    Should: B, as README says ("whatever the order of its sections").
    """
    own = f"/{namespace}/vjepa_planner" if namespace else "/vjepa_planner"
    lab = tmp_path / "lab.yaml"
    lab.write_text(yaml.safe_dump({
        "/**": {"ros__parameters": {"model": {"device": "cpu"}}},
        own: {"ros__parameters": {"planner": {"samples": 12}}},
        third: {"ros__parameters": {"model": {"checkpoint": "A.pt"}}}}, sort_keys=False))
    read = _planner_reads(monkeypatch, namespace, params_file=str(lab), checkpoint="B.pt")
    assert read["planner.samples"] == 12 and read["model.device"] == "cpu"
    assert read["model.checkpoint"] == "B.pt"


@pytest.mark.parametrize("argument, parameter", [("checkpoint", "model.checkpoint"),
                                                 ("device", "model.device")])
@pytest.mark.parametrize("text", ["2e5", "inf", "y", "yes", "null", "~", "0x10", ".nan", "08",
                                  "true", "-", "'a'", '"b"'])
def test_a_given_checkpoint_reaches_the_planner_as_its_text(monkeypatch, tmp_path, text,
                                                            argument, parameter):
    """``vjepa_mpc.launch.py checkpoint:=2e5`` (a checkpoint named by its step count).

    ``values_file`` writes ``model.checkpoint: 2e5`` plain (PyYAML's resolver: a string); rcl
    reads it as the double 200000.0 (``inf`` as inf, ``y`` as true); the planner: "launch
    argument checkpoint:=2e5: parameter 'model.checkpoint' takes a string (quote one that reads
    as a number or true/false: '"3"'), got 200000.0 (a float)" -- advice a launch argument
    cannot follow. Should: the text, quoted where rcl would read it as another type.
    """
    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters: {model: {device: cpu}}\n")
    read = _planner_reads(monkeypatch, params_file=str(lab), **{argument: text})
    assert read[parameter] == text


@pytest.mark.parametrize("launch, executable, argument, text, words", [
    ("bag_player.launch.py", "bag_player", "rate", "-2", "rate must lie in (0, 100], got -2.0"),
    ("image_publisher.launch.py", "image_publisher", "rate_hz", "5000",
     "rate_hz must lie in [0, 1000], got 5000.0")])
def test_a_value_the_node_refuses_is_named_by_its_argument(monkeypatch, tmp_path, launch,
                                                           executable, argument, text, words):
    """``ros2 launch vjepa_ros bag_player.launch.py bag:=run1 rate:=-2``.

    Was: the launch's type check took -2 (a number); launch_ros dumped ``{rate: -2.0}`` to
    ``/tmp/launch_params_XXXX``; the node: "bag_player: --params-file /tmp/launch_params_XXXX:
    rate must lie in (0, 100], got -2.0" (image_publisher ``rate_hz:=5000``: "... must be a
    rate in [0, 1000] Hz"). Now: refused before the node starts, one line naming ``launch
    argument rate:=-2`` and the node's own declared range; the node refuses the same value.
    """
    texts = {**REQUIRED[launch], argument: text}
    if "bag" in texts:
        texts["bag"] = str(tmp_path)
    with pytest.raises(ValueError) as refused:
        load_launch_file(monkeypatch, launch, **texts)
    assert str(refused.value) == f"launch argument {argument}:={text}: {words}"
    ended = subprocess.run([sys.executable, "-m", f"vjepa_ros.nodes.{executable}", "--ros-args",
                            *(arg for name, value in texts.items() for arg in (
                                "-p", f"{name}:={value}"))],
                           capture_output=True, text=True, timeout=60)
    assert ended.returncode != 0 and argument in ended.stderr.strip().splitlines()[-1], \
        ended.stderr[-2000:]


@pytest.mark.parametrize("launch, argument, text", [("sim.launch.py", "publish_clock", "tRuE"),
                                                    ("bag_player.launch.py", "loop", "fALSE")])
def test_a_bool_the_launch_check_takes_launch_ros_takes(monkeypatch, launch, argument, text):
    """``ros2 launch vjepa_ros sim.launch.py publish_clock:=tRuE``.

    ``typed_text`` takes "true or false in any case"; launch_ros' ``value_type=bool`` is
    ``yaml.safe_load`` (true/True/TRUE/yes/on/...), which leaves ``tRuE`` a string and stops
    the launch: "Cannot convert value 'tRuE' to '<class 'bool'>'", no argument named. Should:
    the launch's check refuses it in its one line, or launch_ros is given a text it takes.
    """
    texts = {**REQUIRED[launch], argument: text}
    try:
        node = _node(load_launch_file(monkeypatch, launch, **texts))
    except ValueError as refused:
        assert str(refused).startswith(f"launch argument {argument}:={text}: ")
        return
    (given,) = [p for p in node["parameters"] if isinstance(p, dict)]
    for value in given.values():
        _launch_ros_typed(value, texts[value.args[0].args[0]])


def test_a_seed_past_int64_is_refused_naming_the_argument(monkeypatch, tmp_path):
    """``ros2 launch vjepa_ros sim.launch.py seed:=9223372036854775808``.

    Was: ``typed_text`` took any Python int; launch_ros wrote ``seed: 9223372036854775808``,
    and rcl reads it as the double 9.223372036854776e+18 (checked below): the sim node was
    given a float for its integer ``seed``, named by launch_ros' temporary file. Now: refused
    before the node starts, naming ``seed:=``, as rcl's int64 cannot hold it; int64's last
    value is still typed.
    """
    text = "9223372036854775808"
    written = tmp_path / "launch_params_seed"
    written.write_text(yaml.dump({"/**": {"ros__parameters": {"seed": int(text)}}}))
    assert isinstance(_rcl_reads("--params-file", str(written), name="sim_node")["seed"], float)
    for refused in (text, "-9223372036854775809"):
        with pytest.raises(ValueError, match=rf"^launch argument seed:={refused}: give a whole "):
            load_launch_file(monkeypatch, "sim.launch.py", seed=refused)
    assert typed_text("seed", "9223372036854775807", int) == 2 ** 63 - 1


def test_a_namespace_too_long_for_the_planner_is_refused_naming_it(monkeypatch):
    """``vjepa_mpc.launch.py namespace:=`` a 220-character name.

    ``namespace_problem`` takes it (at most 245 characters), but rclpy cannot make
    /NAMESPACE/vjepa_planner: "InvalidServiceNameException: Invalid service name: topic length
    should not exceed '255U - 8U'" (its parameter services), a traceback naming no argument
    (checked below). Should: one line naming ``namespace:=`` before any node starts.
    """
    namespace = "a" * 220
    context = rclpy.Context()
    rclpy.init(args=[], context=context)
    try:
        with pytest.raises(rclpy.exceptions.InvalidServiceNameException):
            rclpy.create_node("vjepa_planner", namespace=f"/{namespace}", context=context)
    finally:
        rclpy.shutdown(context=context)
    with pytest.raises(ValueError, match=r"^launch argument namespace:=a+: "):
        load_launch_file(monkeypatch, "vjepa_mpc.launch.py", namespace=namespace)


@pytest.mark.parametrize("profile", ["planner.yaml", "empty.xml"])
def test_a_dds_profile_that_is_no_xml_is_refused(monkeypatch, tmp_path, profile):
    """``vjepa_mpc.launch.py dds_profile:=config/planner.yaml`` (or an empty file).

    ``profile_problem`` only asks for a readable file; Fast DDS then prints "[XMLPARSER
    Error] Error opening '.../planner.yaml' ... Error parsing" and runs on its defaults (the
    512 KiB segment that loses raw frames), as for the missing file it refuses. Should: one
    line naming ``dds_profile:=`` before any node starts.
    """
    path = ROOT / "config" / profile
    if profile == "empty.xml":
        path = tmp_path / profile
        path.write_text("")
    with pytest.raises(ValueError, match=rf"^launch argument dds_profile:={path}: "):
        load_launch_file(monkeypatch, "vjepa_mpc.launch.py", dds_profile=str(path))


def test_the_namespace_rules_match_rclpys_validator_on_random_names():
    """Pin: 2000 random names of ``ab1_/~ .-`` (made absolute, as launch does): same verdict."""
    from rclpy.exceptions import InvalidNamespaceException
    from rclpy.validate_namespace import validate_namespace

    draw = random.Random(51)
    for _ in range(2000):
        name = "".join(draw.choice("ab1_/~ .-") for _ in range(draw.randint(1, 7)))
        try:
            rclpy_takes = validate_namespace(name if name.startswith("/") else f"/{name}")
        except InvalidNamespaceException:
            rclpy_takes = False
        assert (namespace_problem(name, relative_ok=True) == "") == rclpy_takes, name


@pytest.mark.parametrize("kind, text", [(int, " 5 "), (int, "+1"), (int, "1_000"), (int, "-0"),
                                        (int, "\u0661\u0662"), (float, "1e3"), (float, " 5 "),
                                        (float, "-0"), (float, "1_000.5")])
def test_a_number_text_is_typed_as_launch_ros_types_it(kind, text):
    """Pin: what the launch's check takes, launch_ros makes the same value of."""
    assert typed_text("x", text, kind) == kind(text)
    assert type(typed_text("x", text, kind)) is kind


@pytest.mark.parametrize("kind, text", [(int, "0x10"), (int, "1e3"), (int, "5.0"),
                                        (float, "nan"), (float, "1e400"), (float, "0x10")])
def test_a_number_text_launch_ros_or_the_node_refuses_is_refused(kind, text):
    """Pin: refused in one line naming the argument (int: launch_ros; nan / inf: the node)."""
    with pytest.raises(ValueError, match=rf"^launch argument x:={text}: give "):
        typed_text("x", text, kind)


def test_an_empty_optional_argument_leaves_the_yaml_and_a_default_value_is_still_given(
        monkeypatch):
    """Pin: ``rate:=`` not given (the YAML's); ``rate:=1.0`` (the YAML's default) still given."""
    texts = {"bag": "run1", "rate": ""}
    node = _node(load_launch_file(monkeypatch, "bag_player.launch.py", **texts))
    (given,) = [p for p in node["parameters"] if isinstance(p, dict)]
    assert given == {}  # bag: a text, in a values file of its own
    (written,) = [p for p in node["parameters"][1:] if isinstance(p, str)]
    assert set(argument_sources(written)) == {"bag"}
    node = _node(load_launch_file(monkeypatch, "bag_player.launch.py", bag="run1", rate="1.0"))
    (given,) = [p for p in node["parameters"] if isinstance(p, dict)]
    assert _launch_ros_typed(given["rate"], "1.0") == 1.0


def test_two_planners_each_get_only_their_own_values(monkeypatch, tmp_path):
    """Pin: two includes, ``namespace:=arm1 checkpoint:=A`` and ``arm2 ... B``: no ``/**`` leak.

    Each planner is its own process given its own values file: rcl gives /arm2 B, /arm1 A.
    """
    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters: {model: {device: cpu}}\n")
    arm1 = _planner_files(monkeypatch, namespace="arm1", params_file=str(lab), checkpoint="A")
    arm2 = _planner_files(monkeypatch, namespace="arm2", params_file=str(lab), checkpoint="B")
    assert not set(arm1[1:]) & set(arm2[1:])
    assert _planner_reads(monkeypatch, "arm2", params_file=str(lab),
                          checkpoint="B")["model.checkpoint"] == "B"
    assert _planner_reads(monkeypatch, "arm1", params_file=str(lab),
                          checkpoint="A")["model.checkpoint"] == "A"


@pytest.mark.parametrize("text", ["/data/run #1/model.pt", "a: b.pt", "x\ny.pt",
                                  "/m\u00fcnchen/ckpt 2.pt", "# launch arguments: {}"])
def test_the_header_names_the_argument_and_rcl_reads_the_text(monkeypatch, tmp_path, text):
    """Pin: a checkpoint text with ``#``, ``:``, a newline, spaces, non-ASCII: named and read."""
    lab = tmp_path / "lab.yaml"
    lab.write_text("/**:\n  ros__parameters: {model: {device: cpu}}\n")
    files = _planner_files(monkeypatch, params_file=str(lab), checkpoint=text)
    assert argument_sources(files[-1]) == {"model.checkpoint":
                                           f"launch argument checkpoint:={text}"}
    assert os.path.isfile(files[-1])
    read = _rcl_reads(*(arg for path in files for arg in ("--params-file", path)))
    assert read["model.checkpoint"] == text


def test_a_node_name_too_long_is_one_line_naming_it():
    """``ros2 run vjepa_ros image_publisher --ros-args -r __node:=PPP...`` (300 characters).

    rcl's lexer takes the rule; rclpy then prints its RuntimeWarning "Failed to fini rosout
    publisher", the source line ``self.__node = _rclpy.Node(``, and "PPP...: error creating
    node: invalid node name: node name length should not exceed '255', at
    /project/src/rmw_node.cpp:58". Should: one line naming ``-r __node:=`` and what to give,
    as ``-r __ns:=/arm1/`` is since fix51a1.
    """
    name = "p" * 300
    ended = subprocess.run([sys.executable, "-m", "vjepa_ros.nodes.image_publisher",
                            "--ros-args", "-r", f"__node:={name}", "-p", "path:=goal.png"],
                           capture_output=True, text=True, timeout=60)
    lines = ended.stderr.strip().splitlines()
    assert ended.returncode != 0 and "node name" in lines[-1], ended.stderr[-2000:]
    assert len(lines) == 1 and "__node:=" in lines[0], lines


def test_a_profile_variable_that_is_no_file_is_refused_by_the_nodes(tmp_path):
    """``FASTDDS_DEFAULT_PROFILES_FILE=/no/such.xml ros2 launch vjepa_ros bag_player.launch.py``.

    bag_player.launch.py passes the variable on; the node runs ``use_camera_profile`` (the
    variable set: kept) and Fast DDS prints "[XMLPARSER Error] realpath failed No such file or
    directory", then runs on its 512 KiB default segment. vjepa_mpc.launch.py refuses the same
    path (``dds_profile``'s default is this variable). Should: one line naming the variable
    before rclpy, no Fast DDS error.
    """
    ended = subprocess.run([sys.executable, "-m", "vjepa_ros.nodes.bag_player", "--ros-args",
                            "-p", f"bag:={tmp_path / 'none'}"], capture_output=True, text=True,
                           timeout=60, env={**os.environ,
                                            "FASTDDS_DEFAULT_PROFILES_FILE": "/no/such.xml"})
    assert ended.returncode != 0
    assert "XMLPARSER" not in ended.stdout + ended.stderr
    assert "FASTDDS_DEFAULT_PROFILES_FILE" in ended.stderr, ended.stderr[-2000:]


@pytest.mark.parametrize("launch", ["vjepa_mpc.launch.py", *REQUIRED])
@pytest.mark.parametrize("profile", ["/no/such.xml", "config/planner.yaml"])
def test_a_profile_variable_that_is_no_profile_is_refused_by_every_launch_file(
        monkeypatch, launch, profile):
    """``FASTDDS_DEFAULT_PROFILES_FILE=/no/such.xml ros2 launch vjepa_ros LAUNCH``: one line.

    Each launch file passes the variable on to its nodes (vjepa_mpc.launch.py as
    ``dds_profile``'s default): refused before any node starts, naming the variable.
    """
    path = profile if profile.startswith("/") else str(ROOT / profile)
    monkeypatch.setenv("FASTDDS_DEFAULT_PROFILES_FILE", path)
    with pytest.raises(ValueError, match=rf"^FASTDDS_DEFAULT_PROFILES_FILE={path}: "):
        load_launch_file(monkeypatch, launch, **REQUIRED.get(launch, {}))


def test_a_profile_given_overrides_a_variable_that_is_no_profile(monkeypatch):
    """``dds_profile:=config/fastdds_camera.xml`` with a stale variable: the launch starts."""
    monkeypatch.setenv("FASTDDS_DEFAULT_PROFILES_FILE", "/no/such.xml")
    entities = load_launch_file(monkeypatch, "vjepa_mpc.launch.py",
                                dds_profile=str(ROOT / "config" / "fastdds_camera.xml"))
    assert _node(entities, "planner_node")


def test_the_node_name_rules_match_rclpys_validator_on_random_names():
    """Pin: 2000 random names of ``ab1_/~ .-`` and the length bound: same verdict as rclpy."""
    from rclpy.exceptions import InvalidNodeNameException
    from rclpy.validate_node_name import validate_node_name

    from vjepa_ros.nodes.ros_names import MAX_NODE_NAME_LENGTH, node_name_rule

    draw = random.Random(52)
    names = ["".join(draw.choice("ab1_/~ .-") for _ in range(draw.randint(0, 7)))
             for _ in range(2000)]
    for name in [*names, "p" * MAX_NODE_NAME_LENGTH, "p" * (MAX_NODE_NAME_LENGTH + 1)]:
        try:
            rclpy_takes = validate_node_name(name)
        except InvalidNodeNameException:
            rclpy_takes = False
        assert (node_name_rule(name) == "") == rclpy_takes, name


def test_the_longest_namespace_taken_is_the_longest_rclpy_makes_the_planner_in():
    """Pin: ``name_length_problem``'s bound is rclpy's, one character either side."""
    from vjepa_ros.nodes.ros_names import name_length_problem
    from vjepa_ros.robot.planner_name import PLANNER_NODE

    longest = max(length for length in range(150, 260)
                  if not name_length_problem("/" + "a" * length, PLANNER_NODE))
    context = rclpy.Context()
    rclpy.init(args=[], context=context)
    try:
        rclpy.create_node(PLANNER_NODE, namespace="/" + "a" * longest,
                          context=context).destroy_node()
        with pytest.raises(rclpy.exceptions.InvalidServiceNameException):
            rclpy.create_node(PLANNER_NODE, namespace="/" + "a" * (longest + 1), context=context)
    finally:
        rclpy.shutdown(context=context)


@pytest.mark.parametrize("name", ["1cam", "cam-2", "", "p" * 256])
def test_a_node_name_rcl_refuses_is_one_line_naming_it(name):
    """``-r __node:=1cam`` (a digit first), ``cam-2``, empty, 256 characters: one line."""
    from vjepa_ros.nodes.ros_args import check_ros_args

    with pytest.raises(ValueError, match=rf"^-r __node:={name}: no ROS node name: .*; give "):
        check_ros_args(["image_publisher", "--ros-args", "-r", f"__node:={name}"],
                       "image_publisher")


@pytest.mark.parametrize("launch, argument", [("bag_player.launch.py", "bag"),
                                              ("image_publisher.launch.py", "path")])
@pytest.mark.parametrize("text", ["2e5", "inf", "y", "08", "1e-9", "null"])
def test_a_text_argument_of_every_launch_file_reaches_the_node_as_its_text(
        monkeypatch, tmp_path, launch, argument, text):
    """``bag_player.launch.py bag:=2e5`` (``image_publisher.launch.py path:=y``).

    Was: ``ParameterValue(..., value_type=str)`` in launch_ros' dict, dumped plain by PyYAML
    (``2e5``, ``inf``, ``y``, ``08`` are strings by its rules), read by rcl as a float or a
    bool: "parameter 'bag' takes a string ... got 200000.0", naming launch_ros' temporary
    file. Now: the texts in a values file of their own, quoted; rcl reads the text, and a
    refusal names the argument (the file's first line).
    """
    node = _node(load_launch_file(monkeypatch, launch, **{**REQUIRED[launch], argument: text}))
    files = _launch_ros_files(node, {}, tmp_path)
    read = _rcl_reads(*(arg for path in files for arg in ("--params-file", path)),
                      name=node["name"])
    assert read[argument] == text
    assert argument_sources(files[1]) == {argument: f"launch argument {argument}:={text}"}
