"""Robot recordings: rosbag2 bags and npz episodes, read and written without a ROS install.

The one data layer that ``eval``, ``train`` and ``sim`` share; it imports none of them (nor
``nodes``).

Public API::

    read_recording(bag, BagTopics(...)) -> Recording     states + frame index; .load_frames(idx)
    write_bag(path, frames [T,H,W,3], states [T,7], times_s, storage="mcap"|"sqlite3",
              image_format="raw"|"jpeg"|"png") -> Path  the topics a Franka lab records
    write_episode(path, episode)                          same, from an episode object
    write_messages(path, [(topic, type, time ns, msg)])   any layout (e.g. split joint states)
    resample(image_times, state_times, states, rate_hz) -> Steps
    Episode(frames, states, actions, timestamps, metadata).save(path) / Episode.load(path)
    actions_from_states(states [T,7]) -> actions [T-1,7]   state_{t+1} ⊖ state_t

Modules: ``bags`` (reading a bag), ``bag_writing`` (writing one), ``bag_topics`` (which topics hold
what), ``bag_stamps`` (timing the messages), ``bag_arm_states`` (end-effector states from the arm's
messages), ``bag_gripper`` (the gripper's closedness from the finger joints),
``bag_joint_prefixes`` (which joint prefix to read, which to advise), ``other_hands`` (a hand
of another prefix than the arm's, a Robotiq's), ``recorded_hand`` (the finger topic and opening a
bag's own writer records in ``metadata.yaml``), ``recording`` (what a bag
holds, decoding its frames), ``bag_files`` (opening bag files), ``bag_folders`` (which recordings a
folder holds: bag folders, a data folder's loose bag files, refused FIFOs), ``data_names`` (the
names read as data), ``upper_case`` (the advice for ``x.MCAP``), ``mcap_salvage`` (reading a
damaged MCAP file up to its last intact message), ``sqlite_wal`` (a ``.db3``'s write-ahead log,
merged into a copy), ``temp_copies`` (those copies and unpacked ``.zstd`` files, made once per
recording read), ``metadata_check`` (whether ``metadata.yaml`` agrees with the data files),
``messages`` (ROS messages <-> numpy), ``topic_choice`` (which topic of a bag is the camera, arm,
gripper), ``resample`` (onto a fixed step grid), ``step_rates`` (the rates and state gaps it
accepts), ``dropped_steps`` and ``rate_hint`` (why steps were dropped, what rate to use),
``episode`` and ``episode_file`` (``.npz`` episodes). Every name above is imported on first use
(``lazy_exports.py``): ``import vjepa_ros.recordings`` loads neither numpy nor torch.
"""

from vjepa_ros.lazy_exports import lazy_exports

__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "bag_files": ("BagError",),
    "bag_topics": ("BagTopics",),
    "bag_writing": ("write_bag", "write_episode", "write_messages"),
    "bags": ("read_recording",),
    "recording": ("Recording",),
    "episode": ("Episode", "actions_from_states"),
    "resample": ("Steps", "resample"),
})
