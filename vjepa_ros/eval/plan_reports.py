"""The live planner's reports in a bag (``~/plan_report``): what eval says about them.

``vjepa-ros eval`` plans anew, offline, on the recorded frames and compares with the executed
motion; it does not read the reports the live planner published. A bag that holds them gets a
note saying so and how to read them (the fields: README, Planner node, ``~/plan_report``).
"""

from __future__ import annotations

PLAN_REPORT_TYPE = "std_msgs/msg/String"


def plan_report_note(topic_types: dict[str, str]) -> str:
    """Return a note naming the bag's ``*/plan_report`` topics and how to read them, else ""."""
    topics = sorted(topic for topic, msgtype in topic_types.items()
                    if topic.endswith("/plan_report") and msgtype == PLAN_REPORT_TYPE)
    if not topics:
        return ""
    return (f"{' and '.join(topics)} (the live planner's reports) is in the bag: eval does not "
            "read it, it plans anew on every step and compares with the executed motion; to "
            "see what the live planner did, play the bag and run "
            f"`ros2 topic echo {topics[0]} --field data` (one JSON object per plan; an async "
            "plan prepared and then dropped has a second, discarded, with the same stamp)")
