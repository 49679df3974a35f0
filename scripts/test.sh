#!/usr/bin/env bash
# Run the whole test suite (lint included) in the project environment, creating it first if needed.
# Extra arguments go to pytest, e.g. `bash scripts/test.sh -k planner -x`. pytest runs from the
# repo root (the tests read the checkout by relative paths): paths in those arguments (test files,
# --junitxml) are from the repo root, whatever folder the script is run from.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/bootstrap.sh"
source "$here/ros_env.sh"
cd "$VJEPA_ROOT"
echo "[vjepa_ros] ROS_DOMAIN_ID=$ROS_DOMAIN_ID (discovery: $ROS_AUTOMATIC_DISCOVERY_RANGE)" >&2
exec "$VJEPA_VENV/bin/python" -m pytest test "$@"
