"""Errors raised when a checkpoint cannot be loaded as asked."""


class CheckpointError(ValueError):
    """A checkpoint is unreadable, or its keys/shapes do not match the model to build."""
