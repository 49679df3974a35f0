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


def domain_id_problem(environ=None) -> str:
    """Return why ``ROS_DOMAIN_ID`` in ``environ`` (``os.environ``) cannot be used ("" it can).

    Unset or empty is domain 0 (rcl's default); decimal digits in 0..:data:`MAX_DOMAIN_ID` are
    taken; anything else gets one line naming the variable, its value and what to do. Only
    plain digits: rcl reads the variable with C's ``strtoul(value, &end, 0)``, so ``1_0`` is
    domain 1 to it (10 to Python's int), ``010`` octal 8, ``0x10`` 16, a blank value an error;
    ``+5``, `` 5 `` and other spellings Python's int takes are refused rather than guessed.
    """
    value = (os.environ if environ is None else environ).get("ROS_DOMAIN_ID", "")
    if value == "":
        return ""
    fix = (f"set it to a whole number in 0..{SAFE_DOMAIN_ID} (the nodes that talk to each "
           "other need the same one), or unset it for domain 0")
    if re.fullmatch(r"0[0-9]+", value):
        octal = f" ({int(value, 8)})" if re.fullmatch(r"[0-7]+", value) else ", which this is not"
        return (f"ROS_DOMAIN_ID={value!r} in the environment starts with 0: rcl reads it as an "
                f"octal number{octal}; {fix}")
    if not re.fullmatch(r"-?[0-9]+", value):  # [0-9]: str.isdigit takes other scripts' digits
        return f"ROS_DOMAIN_ID={value!r} in the environment is not a whole number; {fix}"
    number = int(value)
    if not 0 <= number <= MAX_DOMAIN_ID:
        return (f"ROS_DOMAIN_ID={value} in the environment is outside 0..{MAX_DOMAIN_ID}, the "
                f"domains DDS can open ports for; {fix}")
    return ""


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
