"""Build script for the vjepa_ros ament_python package (pip dependencies only, never rclpy)."""

from glob import glob

from setuptools import find_packages, setup

PACKAGE = "vjepa_ros"

setup(
    name=PACKAGE,
    version="0.1.0",
    description="V-JEPA 2-AC latent world-model MPC for Franka arms on ROS 2",
    license="MIT",
    python_requires=">=3.10",
    packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
    data_files=[
        ("share/ament_index/resource_index/packages", [f"resource/{PACKAGE}"]),
        (f"share/{PACKAGE}", ["package.xml"]),
        (f"share/{PACKAGE}/launch", glob("launch/*.launch.py")),
        (f"share/{PACKAGE}/config", glob("config/*.yaml") + glob("config/*.xml")),
    ],
    package_data={PACKAGE: ["data/*.npz", "data/*.pt"]},  # example frames, demo world model
    install_requires=[
        "numpy>=1.23",
        "scipy>=1.9",
        "opencv-python-headless>=4.6",
        "pyyaml>=6.0",
        "tqdm>=4.60",
        "torch>=2.1",
        "safetensors>=0.4",
        "rosbags>=0.11",
        "mcap>=1.6",  # damaged MCAP files: recordings/mcap_salvage.py (StreamReader, size limit)
        "matplotlib>=3.5",
        "pillow>=9.0",  # vjepa-ros reach: image strip and GIF (also a matplotlib dependency)
        "pybullet>=3.2",
    ],
    extras_require={
        "test": [
            "pytest>=7",
            "pytest-xdist>=3.5",  # scripts/test.sh runs the tests in parallel (-n auto)
            "hypothesis>=6.80",
            "ruff>=0.5",
            "transformers>=4.53",
            "colcon-common-extensions>=0.3",
        ],
        # camera_node on an Intel RealSense without the realsense2_camera driver
        "camera": ["pyrealsense2>=2.50"],
    },
    zip_safe=False,
    entry_points={
        "console_scripts": [
            # vjepa_ros/entry_points.py: a stop signal while they load ends them in one line
            "vjepa-ros = vjepa_ros.entry_points:vjepa_ros_command",
            "image_publisher = vjepa_ros.entry_points:image_publisher",
            "bag_player = vjepa_ros.entry_points:bag_player",
            "sim_node = vjepa_ros.entry_points:sim_node",
            "planner_node = vjepa_ros.entry_points:planner_node",
            "camera_node = vjepa_ros.entry_points:camera_node",
        ],
    },
)
