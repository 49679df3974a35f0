"""Why ROS cannot start in this environment, said before or instead of rcl's own words (no rclpy).

``ROS_DOMAIN_ID`` is read by rcl at ``rclpy.init`` (``ROS_DOMAIN_ID is not an integral number,
at /project/src/rcl/domain_id.c:49``) and by the DDS library when the first node is made: above
:data:`MAX_DOMAIN_ID` its ports do not fit, and Fast DDS logs two lines and the process exits
with status 1 and no word of ours. :func:`domain_id_problem` says either on one line, before
rclpy loads. :func:`init_failure` words any other ``rclpy.init`` failure that is no argument's
(a resource error on a loaded machine) as what it is: not a usage error, rcl's C source path
left out.
"""

from __future__ import annotations

import os
import re

MAX_DOMAIN_ID = 232  # DDS port numbers (7400 + 250 * domain + ...) fit below 65536 up to here
SAFE_DOMAIN_ID = 101  # above it, a domain's ports can collide with Linux's ephemeral ports
# ... up to here (Linux's default ephemeral ports, 32768..60999): 215..232 are safe again
EPHEMERAL_TOP_DOMAIN_ID = 214
SAFE_DOMAINS = f"0..{SAFE_DOMAIN_ID} (or {EPHEMERAL_TOP_DOMAIN_ID + 1}..{MAX_DOMAIN_ID})"


# C's strtoul(value, &end, 0), as rcl reads ROS_DOMAIN_ID: white space skipped, a sign, then
# 0x hex, 0 octal or decimal digits (none: nothing read, end at the start)
_C_SPACE = " \t\n\v\f\r"
_STRTOUL = re.compile(
    rf"[{_C_SPACE}]*([+-]?)(0[xX](?=[0-9a-fA-F])[0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)?")


UNSET_DOMAIN = "domain 0"  # what rcl does with ROS_DOMAIN_ID unset (a node, launch)


def domain_id_problem(environ=None, unset: str = UNSET_DOMAIN) -> str:
    r"""Return why ``ROS_DOMAIN_ID`` in ``environ`` (``os.environ``) cannot be used ("" it can).

    ``unset``: what the command does with the variable unset, for the advice ``or unset it for
    UNSET`` (``reach`` draws a random domain: ``node_processes.keep_dds_local``). Unset or
    empty is domain 0 to rcl. rcl reads the variable with C's
    ``strtoul(value, &end, 0)`` and refuses it only when that reads 0 with something after
    it (``0\r``, ``08``, ``abc``, a blank value); else it takes the number read and ignores
    what follows. A value is taken here when rcl reads the number a person reads in it, in
    0..:data:`MAX_DOMAIN_ID`: decimal digits, with white space around them (a CRLF env
    file's ``5\r``) or a ``+``, as rcl skips them; zero-padded ones whose octal reading is the
    same (``00``..``07``). Anything else gets one line naming the variable, its value and what
    to do: ``010`` (octal 8 to rcl), ``0x10`` (hexadecimal 16: write 16), ``1_0`` (rcl reads
    1), and what rcl refuses.
    """
    value = (os.environ if environ is None else environ).get("ROS_DOMAIN_ID", "")
    if value == "":
        return ""
    fix = (f"set it to a whole number in {SAFE_DOMAINS} (the nodes that talk to each "
           f"other need the same one), or unset it for {unset}")
    sign, digits, rest, base, number = _strtoul(value)
    octal = f"ROS_DOMAIN_ID={value!r} in the environment starts with 0: rcl reads it as an octal"
    if base == 8 and rest[:1] and rest[0] in "0123456789":  # 08, 0800: rcl stops at the 8
        return f"{octal} number, which this is not; {fix}"
    if digits and number == 0 and rest and not rest.strip(_C_SPACE):  # '0\r': rcl refuses it
        crlf = " (a file with Windows line ends?)" if "\r" in rest else ""
        return (f"ROS_DOMAIN_ID={value!r} in the environment has {rest!r} after its 0, which rcl "
                f"refuses{crlf}: remove it, or {fix}")
    if (number == 0 and rest) or rest.strip(_C_SPACE):  # rcl refuses it, or reads less of it
        return f"ROS_DOMAIN_ID={value!r} in the environment is not a whole number; {fix}"
    if base == 16:
        return (f"ROS_DOMAIN_ID={value!r} in the environment starts with 0x: rcl reads it as a "
                f"hexadecimal number ({number}); write {number} for that domain, or {fix}")
    if base == 8 and number != int(digits):  # 00..07 read alike
        return f"{octal} number ({number}); {fix}"
    number = -number if sign == "-" else number
    if not 0 <= number <= MAX_DOMAIN_ID:
        shown = value if value == value.strip(_C_SPACE) else repr(value)
        return (f"ROS_DOMAIN_ID={shown} in the environment is outside 0..{MAX_DOMAIN_ID}, the "
                f"domains DDS can open ports for; {fix}")
    return ""


def domain_id_risk(environ=None) -> str:
    """Return why a usable ``ROS_DOMAIN_ID`` in ``environ`` is risky ("" when it is not).

    Domains :data:`SAFE_DOMAIN_ID` + 1 .. :data:`EPHEMERAL_TOP_DOMAIN_ID` open DDS ports inside
    Linux's default ephemeral port range (32768..60999, ROS 2's "About Domain ID"): rcl and DDS
    take them, and a node can fail to open its ports when another program holds one. Safe:
    :data:`SAFE_DOMAINS`. A value :func:`domain_id_problem` refuses is not risky but unusable: "".
    """
    environ = os.environ if environ is None else environ
    if domain_id_problem(environ) or not environ.get("ROS_DOMAIN_ID", ""):
        return ""
    sign, _, _, _, number = _strtoul(environ["ROS_DOMAIN_ID"])
    number = -number if sign == "-" else number
    if SAFE_DOMAIN_ID < number <= EPHEMERAL_TOP_DOMAIN_ID:
        return (f"domain {number}'s DDS ports lie in Linux's ephemeral port range (32768..60999), "
                "where another program's connection can take one and a node then fails to "
                f"start; use {SAFE_DOMAINS}")
    return ""


def _strtoul(value: str) -> tuple[str, str, str, int, int]:
    """Read ``value`` as C's ``strtoul(value, &end, 0)``: (sign, digits, rest, base, number).

    ``rest``: the text from ``end`` on (all of ``value`` when nothing was read); ``number``
    is unsigned (the sign apart).
    """
    read = _STRTOUL.match(value)
    sign, digits = read[1], read[2] or ""
    rest = value[read.end():] if digits else value  # strtoul read nothing: end is the start
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits.startswith("0") else 10
    return sign, digits, rest, base, int(digits, base) if digits else 0


def rcl_domain_id(value: str) -> int | None:
    r"""Return the domain rcl takes from ``ROS_DOMAIN_ID`` text ``value``; None if it refuses.

    rcl's reading (``strtoul(value, &end, 0)``): "" is 0, ``010`` is 8, `` 5 `` and ``5\r``
    are 5, ``0x10`` is 16; a 0 read with text after it (``08``, ``abc``, ``0\r``) is refused.
    A ``-`` gives a negative number here (rcl: a huge unsigned one); whether the domain is
    usable is :func:`domain_id_problem`'s to say.
    """
    if value == "":
        return 0
    sign, _digits, rest, _base, number = _strtoul(value)
    if number == 0 and rest:
        return None
    return -number if sign == "-" else number


def rcl_text(exc: BaseException) -> str:
    """Return rcl's error ``exc`` on one line without its C source path and rcl's prefix."""
    text = re.sub(r",? at /\S+:\d+", "", " ".join(str(exc).split()))
    return text.removeprefix("failed to initialize rcl: ")


def is_argument_error(exc: BaseException) -> bool:
    """Whether ``rclpy.init``'s error ``exc`` is about the ROS arguments it was given."""
    text = rcl_text(exc)
    return (type(exc).__name__ == "UnknownROSArgsError" or text.startswith("Couldn't parse")
            or "argument" in text.lower())


def init_failure(exc: BaseException) -> str:
    """Return an ``rclpy.init`` failure that is no argument's on one line, with what to do.

    ``exc``: the RCLError (RuntimeError). The environment variable it names, if any, is said
    as the thing to fix; else the ROS environment and the machine's resources are.
    """
    text = rcl_text(exc)
    named = re.search(r"\b(?:ROS|RMW|RCUTILS)_[A-Z_]+\b", text)
    if named:
        return f"ROS could not start: {text}; fix the environment variable {named[0]}"
    return (f"ROS could not start (rclpy.init: {text}); this is no argument's fault: check the "
            "ROS environment (ROS_DOMAIN_ID, RMW_IMPLEMENTATION) and free memory / processes, "
            "then run it again")


DISCOVERY_RANGES = ("SUBNET", "LOCALHOST", "OFF", "SYSTEM_DEFAULT")  # rcl's, ROS 2 Iron on
# rcl's major version per distribution (rcl/package.xml): Humble 5, Iron 6, Jazzy 9, Kilted 10
RCL_BY_DISTRO = {"humble": 5, "iron": 6, "jazzy": 9, "kilted": 10, "rolling": 10}
FIRST_RCL_WITH_RANGE = 6  # Iron: ROS_AUTOMATIC_DISCOVERY_RANGE (before: ROS_LOCALHOST_ONLY alone)
FIRST_RCL_WITHOUT_LOCALHOST_ONLY = 10  # Kilted: ROS_LOCALHOST_ONLY no longer read (ros2/rcl#1169)


def rcl_major(environ=None) -> int | None:
    """Return the major version of the rcl that nodes started from ``environ`` load, or None.

    Where rclpy would find it, without loading it: a sourced ROS 2 install's
    ``share/rcl/package.xml`` on ``AMENT_PREFIX_PATH`` (a lab machine's system ROS wins),
    else the ``ros-rcl`` wheel's version (``requirements-ros.txt``), else ``ROS_DISTRO``'s
    (:data:`RCL_BY_DISTRO`); None when none says.
    """
    environ = os.environ if environ is None else environ
    for prefix in filter(None, environ.get("AMENT_PREFIX_PATH", "").split(os.pathsep)):
        try:
            with open(os.path.join(prefix, "share", "rcl", "package.xml"), encoding="utf-8") as f:
                found = re.search(r"<version>\s*(\d+)\.", f.read())
        except OSError:
            continue
        if found:
            return int(found[1])
    from importlib import metadata

    try:
        return int(metadata.version("ros-rcl").split(".")[0])
    except (metadata.PackageNotFoundError, ValueError):
        return RCL_BY_DISTRO.get(environ.get("ROS_DISTRO", "").strip().lower())


def _discovery(environ, rcl: int | None) -> tuple[str, str]:
    """(range, why) as rcl ``rcl`` (its major version; None: the newest rules) reads ``environ``.

    ``why``: "" when the range is what the variables say plainly, else the words for a value
    rcl refused or ignored.
    """
    newest = rcl is None or rcl >= FIRST_RCL_WITHOUT_LOCALHOST_ONLY
    only = environ.get("ROS_LOCALHOST_ONLY", "")
    if rcl is not None and rcl < FIRST_RCL_WITH_RANGE:  # Humble: strcmp(value, "1")
        return ("LOCALHOST", "") if only == "1" else ("SUBNET", "")
    if not newest and only.startswith("1"):  # Iron, Jazzy: strncmp(value, "1", 1), overrides
        return "LOCALHOST", ""
    value = environ.get("ROS_AUTOMATIC_DISCOVERY_RANGE", "")
    if value == "" or value in DISCOVERY_RANGES:  # strcmp: exactly, case and blanks included
        scope = value or "SUBNET"  # unset: rcl's default (RCL_DEFAULT_DISCOVERY_RANGE)
        ignored = (newest and rcl is not None and only.startswith("1") and scope != "LOCALHOST")
        return scope, (f"ROS_LOCALHOST_ONLY={only} is ignored by rcl {rcl} (Kilted and newer: "
                       "set ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST)") if ignored else ""
    return "LOCALHOST", (f"rcl refuses ROS_AUTOMATIC_DISCOVERY_RANGE={value!r} and assumes "
                         f"LOCALHOST: it takes {', '.join(DISCOVERY_RANGES)} exactly")


def discovery_range(environ=None, rcl: int | None = -1) -> str:
    """Return the DDS discovery range rcl takes from ``environ`` (``os.environ``), in words.

    ``rcl``: rcl's major version (default -1: :func:`rcl_major` finds it; None: the newest
    rules). Jazzy's and Kilted's ``rcl_get_automatic_discovery_range`` compare
    ``ROS_AUTOMATIC_DISCOVERY_RANGE`` exactly (``strcmp``) with ``OFF``, ``LOCALHOST``,
    ``SUBNET``, ``SYSTEM_DEFAULT``; unset or empty is ``SUBNET`` (other machines on this
    network see the nodes); any other value (``subnet``, ``SUBNET ``) is ``LOCALHOST``, with
    rcl's warning "Invalid value ..., assuming localhost only". ``ROS_LOCALHOST_ONLY``: on
    Iron and Jazzy (rcl 6..9) a value starting with ``1`` (``strncmp(value, "1", 1)``:
    ``1``, ``1 ``; not `` 1`` or ``true``) overrides to ``LOCALHOST``; on Kilted and newer
    (rcl 10+, ros2/rcl#1169) it is not read; on Humble (rcl 5, no range variable) exactly
    ``1`` is ``LOCALHOST``, anything else the whole network (said ``SUBNET``).
    """
    environ = os.environ if environ is None else environ
    return _discovery(environ, rcl_major(environ) if rcl == -1 else rcl)[0]


def discovery_note(environ=None, rcl: int | None = -1) -> str:
    """Return the words for a discovery variable rcl refuses or ignores in ``environ``, or "".

    ``rcl`` as :func:`discovery_range`'s. The words start with the variable's ``NAME=``:
    ``rcl refuses ROS_AUTOMATIC_DISCOVERY_RANGE='subnet' and assumes LOCALHOST ...`` is
    reworded to start with it, for ``vjepa-ros check``'s line under that variable.
    """
    environ = os.environ if environ is None else environ
    why = _discovery(environ, rcl_major(environ) if rcl == -1 else rcl)[1]
    if why.startswith("rcl refuses "):
        value = environ.get("ROS_AUTOMATIC_DISCOVERY_RANGE", "")
        return (f"ROS_AUTOMATIC_DISCOVERY_RANGE={value!r}: rcl refuses it and assumes LOCALHOST "
                f"(this machine only): it takes {', '.join(DISCOVERY_RANGES)} exactly")
    return why


def ros_network_line(environ=None, rcl: int | None = -1, client: bool = False) -> str:
    """Return the one line every command that starts nodes prints first: domain and discovery.

    ``vjepa-ros launch``, ``vjepa-ros reach`` and each node executable (``node_runner``) print
    it, so that a person watching from another shell knows the ``ROS_DOMAIN_ID`` and discovery
    range to use there (``ros2 topic list``; on the pip route, which has no ``ros2`` command,
    ``vjepa-ros planner status``): nodes on another domain, or a shell whose range does not
    reach them, see nothing. ``client``: the line of ``vjepa-ros planner``, which talks to
    nodes started elsewhere: where it looks for them. The domain is rcl's reading of
    ``ROS_DOMAIN_ID`` (unset: 0; :func:`rcl_domain_id`), the range :func:`discovery_range`'s
    (``rcl`` as there), and a value rcl refused or ignored is named; call it after
    :func:`domain_id_problem` found none.
    """
    environ = os.environ if environ is None else environ
    rcl = rcl_major(environ) if rcl == -1 else rcl
    domain = rcl_domain_id(environ.get("ROS_DOMAIN_ID", ""))
    scope, why = _discovery(environ, rcl)
    why = f": {why}" if why else ""
    if scope == "OFF":
        return (f"ROS domain {domain}, discovery OFF: no other process or shell sees these nodes "
                f"(unset ROS_AUTOMATIC_DISCOVERY_RANGE, or set LOCALHOST, to watch them){why}")
    where = {"LOCALHOST": "this machine only", "SUBNET": "this network"}.get(
        scope, "the middleware's default")
    if client:
        return (f"ROS domain {domain}, discovery {scope} ({where}{why}): looking for the planner "
                f"there (vjepa-ros launch's first line names the domain it runs on)")
    watch = f"ROS_AUTOMATIC_DISCOVERY_RANGE={scope}"
    if rcl is not None and rcl < FIRST_RCL_WITH_RANGE:  # Humble reads ROS_LOCALHOST_ONLY only
        watch = f"ROS_LOCALHOST_ONLY={int(scope == 'LOCALHOST')}"
    return (f"ROS domain {domain}, discovery {scope} ({where}{why}); to see these nodes from "
            f"another shell: ROS_DOMAIN_ID={domain} {watch} ros2 topic list (no ros2 command: "
            f"ROS_DOMAIN_ID={domain} vjepa-ros planner status)")
