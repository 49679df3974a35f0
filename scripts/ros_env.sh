#!/usr/bin/env bash
# The network rule: every process of ours that starts rclpy keeps DDS discovery on this machine.
# Sourced by scripts/demo.sh, scripts/test.sh and .ci/run. A caller's ROS_DOMAIN_ID is kept; else
# one is drawn at random from 1-100, not checked free (vjepa-ros reach and the benchmarks that
# start nodes refuse a domain where theirs already run: nodes/busy_domain.py).
export ROS_AUTOMATIC_DISCOVERY_RANGE=LOCALHOST
export ROS_LOCALHOST_ONLY=1
export ROS_DOMAIN_ID="${ROS_DOMAIN_ID:-$(( (RANDOM % 100) + 1 ))}"
