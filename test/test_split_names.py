"""Every public name of a module refactor59 split is importable from it (fix59t, review59s #3).

refactor59 split nine files over 400 lines (``git log --grep=^Split base59j..``): cem, rcl_yaml,
mcap_salvage, jump_watch, train/config, bags, topic_choice, feature_cache, awaited_goals. A user's
script or config importing a name from where it was (``vjepa_ros.train.config.NO_ENCODER`` was
not: review59s #3) must keep working. ``BEFORE`` lists each module's public top-level names as they
were before its split (read from the file at the split's parent commit); each must still be
importable from the module, whichever new file now holds it.
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


@pytest.mark.parametrize("module", sorted(BEFORE))
def test_every_name_a_split_module_had_is_importable_from_it(module):
    old = importlib.import_module(module)
    missing = [name for name in BEFORE[module] if not hasattr(old, name)]
    assert not missing, f"{module} no longer gives {missing} (re-export them there)"


def test_a_name_re_exported_is_the_one_that_moved():
    """The re-export is the object itself: the message and constants, not copies."""
    from vjepa_ros.train import config, config_checks

    assert config.NO_ENCODER is config_checks.NO_ENCODER
    assert config.NO_ENCODER.startswith("encoder: give the frozen encoder's checkpoint")
