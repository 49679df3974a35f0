"""Every public name of a module refactor59 or refactor60 split is importable from it (fix59t).

refactor59 split nine files over 400 lines (``git log --grep=^Split base59j..``): cem, rcl_yaml,
mcap_salvage, jump_watch, train/config, bags, topic_choice, feature_cache, awaited_goals. A user's
script or config importing a name from where it was (``vjepa_ros.train.config.NO_ENCODER`` was
not: review59s #3) must keep working. ``BEFORE`` lists each module's public top-level names as they
were before its split (read from the file at the split's parent commit); each must still be
importable from the module, whichever new file now holds it. ``BEFORE_60`` does the same for
refactor60's splits (read from main at 09cba68a): config, eval/command, nodes/params,
robot/joint_states, robot/targets, sim/reach, sim/sim.
"""

import importlib

import pytest

BEFORE = {  # module: its public top-level names before refactor59 split it
    "vjepa_ros.planning.cem": [
        "CEMPlanner", "SamplingPlanner", "cem_search", "check_warm_start", "checked_seed",
        "clip_to_box", "finish", "initial_distribution", "keep_in_box", "make_generator",
        "make_scorer", "plan", "refit_distribution", "sample_actions", "shift_plan",
        "standard_noise",
    ],
    "vjepa_ros.rcl_yaml": [
        "EmptyMapping", "OctalInt", "RclLoader", "ZeroLedFloat", "load", "number_reading", "plain",
        "rcl_scalar", "string_reason", "zero_led", "zero_led_reading",
    ],
    "vjepa_ros.recordings.bags": [
        "check_one_camera", "damage_first", "read_recording", "short_topic_fix", "summary_counted",
    ],
    "vjepa_ros.recordings.mcap_salvage": [
        "Damage", "MAGIC", "MAGIC_SIZE", "McapDamageError", "RECORD_HEAD", "ROSBAG2_METADATA",
        "SalvagedMcap", "closing_record", "has_summary", "lacks_message_index", "read_by_scan",
        "records_fail",
    ],
    "vjepa_ros.recordings.topic_choice": [
        "COLOUR", "DEFAULT_CAMERA", "EMPTY_DEFAULTS", "KIND_TYPES", "NOT_COLOUR",
        "NO_OTHER_ARM_STATE", "OPTIONS", "arm_topic_fix", "camera_topics", "candidates",
        "gripper_topic_fix", "joined_topics", "joint_states_instead", "nan_pose_fix",
        "other_source_fix", "pick_topic", "resolve_gripper_topic", "resolve_image_topic",
        "resolve_state_topic", "topic_settings", "topics_of_kind", "without_train_keys",
    ],
    "vjepa_ros.robot.awaited_goals": [
        "AwaitedGoals", "GoalEnd", "MAX_FORGOTTEN_SPANS", "PREFIX",
    ],
    "vjepa_ros.robot.jump_watch": [
        "JumpWatch",
    ],
    "vjepa_ros.train.config": [
        "DTYPES", "DataConfig", "ENCODER_KEYS", "EXPORT_DTYPES", "FEATURE_CACHES",
        "FEATURE_DTYPES", "NO_ENCODER", "OptimConfig", "PredictorSettings", "SEED_RANGE",
        "TrainConfig", "absolute_paths", "config_from_yaml", "config_to_dict", "make_config",
    ],
    "vjepa_ros.train.feature_cache": [
        "CODE_WORDS", "FORMAT", "FeatureCache", "KEY_CHARS", "KEY_FILE", "NOT_IN_KEY", "PACKAGE",
        "READER_CODE", "adopt_flat_layout", "build_shards", "cache_key", "encode_source",
        "folder_bytes", "key_digest", "new_key_line", "reader_code_digest", "reader_code_files",
        "save_atomic", "shard_bank", "shard_demonstrations", "source_identity",
    ],
}

BEFORE_60 = {  # module: its public top-level names before refactor60 split it (09cba68a)
    "vjepa_ros.config": [
        "CHECK_KEYS", "ConfigError", "FLOAT_SPELLING", "FRAME_ID", "FRAME_ID_RULE", "RANGE_KEYS",
        "UsageError", "ValueTypeError", "check_field", "check_given", "check_range",
        "check_values", "dotted_fields", "empty_refused", "exit_status", "field_at",
        "field_hint", "flatten", "format_range", "from_dict", "in_range", "item_type",
        "merge_deep", "param", "typed_on_command_line", "unflatten", "value_range",
    ],
    "vjepa_ros.eval.command": [
        "EVAL_OPTIONS", "RECORD_SEED_MEANING", "add_bag_format_arguments", "add_commands",
        "bag_writing", "checked_eval_config", "cmd_bag_from_npz", "cmd_eval", "cmd_record",
        "several_episodes_message",
    ],
    "vjepa_ros.nodes.params": [
        "START_ONLY", "START_ONLY_CONSTRAINT", "declare_config", "on_set_parameters",
        "rclpy_type_error", "type_error",
    ],
    "vjepa_ros.robot.joint_states": [
        "ARM_JOINTS", "ArmRangeError", "ArmStateError", "CONTINUOUS_FORCE_WHY",
        "FRANKA_HAND_MAX_FORCE", "FRANKA_HAND_MAX_WIDTH", "FRANKA_HAND_PEAK_FORCE",
        "JOINT_PREFIX_SETTING", "JointNames", "JointReading", "JointSeries", "JointStateReader",
        "NonFiniteArmError", "NonFiniteError", "PEAK_FORCE_WHY", "RangeError", "arm_prefixes",
        "closedness_from_fingers", "expected_arm_joints", "finger_position", "finger_prefixes",
        "hand_of_arm", "joint_names", "read_series",
    ],
    "vjepa_ros.robot.targets": [
        "ACTION_LABELS", "MAX_TICK_PERIODS", "SetpointStreamer", "TICK_HISTORY", "poses_apart",
        "target_from_action",
    ],
    "vjepa_ros.sim.reach": [
        "REACH_GOAL_STREAM", "RandomActionPlanner", "ReachEpisode", "ReachError", "ReachStep",
        "SIM_OUTSIDE_BOX_ADVICE", "TIME_SPLIT", "check_goal", "check_model", "make_reach_goal",
        "reach_goal_stream", "reach_sim_config", "reach_target", "run_reach_episode",
    ],
    "vjepa_ros.sim.sim": [
        "GEAR_ERP", "GEAR_MAX_FORCE", "RenderHook", "Sim", "quaternion_to_matrix",
    ],
}


@pytest.mark.parametrize("module", sorted(BEFORE) + sorted(BEFORE_60))
def test_every_name_a_split_module_had_is_importable_from_it(module):
    old = importlib.import_module(module)
    names = BEFORE[module] if module in BEFORE else BEFORE_60[module]
    missing = [name for name in names if not hasattr(old, name)]
    assert not missing, f"{module} no longer gives {missing} (re-export them there)"


def test_a_name_re_exported_is_the_one_that_moved():
    """The re-export is the object itself: the message and constants, not copies."""
    from vjepa_ros.train import config, config_checks

    assert config.NO_ENCODER is config_checks.NO_ENCODER
    assert config.NO_ENCODER.startswith("encoder: give the frozen encoder's checkpoint")

