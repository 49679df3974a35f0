"""The lines of ``vjepa-ros check``: what this machine offers, as the package will read it.

Each line says what the package (and rcl under it) takes from the machine, not the raw text
alone: the torch CPU threads of :func:`vjepa_ros.threads.cpu_threads`' rule, ``ROS_DOMAIN_ID``
as rcl reads it (:func:`vjepa_ros.ros_environment.domain_id_problem` / ``domain_id_risk``) and
the discovery range rcl takes (:func:`vjepa_ros.ros_environment.discovery_note`). An import
that fails otherwise than ImportError (``import torch`` raising OSError for a CUDA wheel whose
``libcudart.so.12`` the loader does not find, pytorch/pytorch#131284) is one line naming the
package and the error, never a traceback that hides the other lines.
"""

from __future__ import annotations

import os
import platform
import sys

OPTIONAL = ("launch_ros", "cv_bridge", "rosbags", "pybullet", "pyrealsense2")
ROS_VARIABLES = ("ROS_DISTRO", "ROS_DOMAIN_ID", "ROS_AUTOMATIC_DISCOVERY_RANGE",
                 "ROS_LOCALHOST_ONLY")
UNDER = f"{'':<30}"  # the indent of a note under a variable's line


def import_failure(exc: BaseException) -> str:
    """Return an import's error ``exc`` (not ImportError) on one line: its type and message."""
    text = " ".join(str(exc).split()) or "(no message)"
    return f"{type(exc).__name__}: {text}"


def check_environment() -> int:
    """Print the lines of ``vjepa-ros check``; return its exit status.

    1: torch or the config folder unusable, or a ``ROS_DOMAIN_ID`` ROS cannot start in; else 0.
    """
    print(f"python        {platform.python_version()} ({sys.executable})")
    ok = _torch_lines()
    try:
        import rclpy

        print(f"rclpy         {os.path.dirname(rclpy.__file__)}")
    except ImportError:
        print("rclpy         missing (ROS nodes unavailable; the ROS-free core still works)")
    except Exception as exc:  # noqa: BLE001 - a broken install (a missing librcl.so): said
        print(f"rclpy         cannot be imported ({import_failure(exc)}): ROS nodes unavailable; "
              "reinstall it (pip install -r requirements-ros.txt, or source your ROS 2 setup)")
    from vjepa_ros.config import ConfigError
    from vjepa_ros.package_files import config_path

    try:  # the parameter and launch files every command and node reads
        print(f"config        {config_path('planner.yaml').parent}")
    except ConfigError as exc:
        print(f"config        MISSING: {exc}")
        ok = False
    ok = _ros_lines() and ok
    for optional in OPTIONAL:
        print(f"{optional:<14}{_optional_state(optional)}")
    return 0 if ok else 1


def _torch_lines() -> bool:
    """Print torch's version, device and CPU threads; return whether torch imports."""
    from vjepa_ros.threads import cpu_threads

    try:
        import torch
    except ImportError:
        print("torch         MISSING (run scripts/bootstrap.sh)")
        return False
    except Exception as exc:  # noqa: BLE001 - OSError: a CUDA wheel without its libraries
        print(f"torch         cannot be imported ({import_failure(exc)}): install the torch "
              "build for this machine (a CUDA wheel needs its CUDA libraries on the loader's "
              "path; or the CPU wheel), see scripts/bootstrap.sh")
        return False
    cuda = torch.cuda.is_available()
    device = torch.cuda.get_device_name(0) if cuda else "cpu"
    bf16 = cuda and torch.cuda.is_bf16_supported()
    print(f"torch         {torch.__version__}  device: {device}  bf16: {bf16}")
    print(f"cpu threads   {cpu_threads()} (the package's default: OMP_NUM_THREADS, else all "
          f"cores but one; torch alone would take {torch.get_num_threads()})")
    return True


def _ros_lines() -> bool:
    """Print the ROS variables, each with what rcl makes of it; False: ROS cannot start."""
    from vjepa_ros.ros_environment import discovery_note, domain_id_problem, domain_id_risk

    ok = True
    note = discovery_note()
    for name in ROS_VARIABLES:
        print(f"{name:<30}{os.environ.get(name, '(unset)')}")
        if name == "ROS_DOMAIN_ID" and domain_id_problem():  # every node and launch refuses it
            print(f"{UNDER}UNUSABLE: {domain_id_problem()}")
            ok = False
        elif name == "ROS_DOMAIN_ID" and domain_id_risk():  # usable: a warning, status 0
            print(f"{UNDER}WARNING: {domain_id_risk()}")
        elif note and note.startswith(name + "="):  # a value rcl refuses or ignores
            print(f"{UNDER}WARNING: {note}")
    return ok


def _optional_state(name: str) -> str:
    """Return ``available``, ``not installed`` or why optional package ``name`` fails to import."""
    try:
        if name == "pybullet":
            from vjepa_ros.sim.pybullet_import import import_pybullet

            import_pybullet()  # without the build-time line it prints on stderr
        else:
            __import__(name)
    except ImportError:
        return "not installed"
    except Exception as exc:  # noqa: BLE001 - installed but broken: said, the other lines kept
        return f"cannot be imported ({import_failure(exc)})"
    return "available"
