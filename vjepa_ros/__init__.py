"""vjepa_ros: image-goal MPC for Franka arms with the V-JEPA 2-AC latent world model.

The ROS-free core (``models``, ``planning``, ``robot``, ``sim``, ``eval``, ``train``) never
imports rclpy; thin rclpy nodes live in ``nodes``.
"""

__version__ = "0.1.0"
