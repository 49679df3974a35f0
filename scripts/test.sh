#!/usr/bin/env bash
# Run the whole test suite (lint included) in the project environment, creating it first if needed.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k planner -x` or a test file.
# pytest runs from the repo root (the tests read the checkout by relative paths): paths in those
# arguments (test files, --junitxml) are from the repo root, whatever folder it is run from.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/bootstrap.sh"
source "$here/ros_env.sh"
cd "$VJEPA_ROOT"
echo "[vjepa_ros] ROS_DOMAIN_ID=$ROS_DOMAIN_ID (discovery: $ROS_AUTOMATIC_DISCOVERY_RANGE)" >&2
# Tests run in parallel (pytest-xdist), one worker per core (`-n 0` in the arguments: all in this
# one process; test/conftest.py gives each worker its own ROS domain). worksteal: an idle worker
# takes tests from a busy one, so one long test does not leave a core idle at the end. Without a
# path in the arguments pytest runs testpaths (setup.cfg: test/); with one, only that path.
exec "$VJEPA_VENV/bin/python" -m pytest -n auto --dist worksteal "$@"
