#!/usr/bin/env bash
# Run the package's main job end to end (creating the environment first if needed): the simulated
# Franka and the planner node with the demo world model reach an image goal, closed loop.
# Extra arguments go to `vjepa-ros reach`, e.g. `bash scripts/demo.sh --goal-seed 900003` or `--help`.
# The one-step example on real Franka frames is `vjepa-ros demo`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/bootstrap.sh"
source "$here/ros_env.sh"
# No cd: the command runs in the caller's folder, so its outputs (--out, default ./reach_runs or
# the like) land there, not in the clone.
exec "$VJEPA_VENV/bin/vjepa-ros" reach "$@"
