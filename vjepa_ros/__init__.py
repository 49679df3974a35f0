"""vjepa_ros: image-goal MPC for Franka arms with the V-JEPA 2-AC latent world model.

The ROS-free core (``models``, ``planning``, ``robot``, ``sim``, ``eval``, ``train``) never
imports rclpy; thin rclpy nodes live in ``nodes``.
"""

__version__ = "0.1.0"

# first: a stop while `python -m vjepa_ros.X` or a benchmark script still loads ends it in one line
from vjepa_ros.main_start import main_loads  # noqa: E402 (sys and os only)

main_loads()
del main_loads
