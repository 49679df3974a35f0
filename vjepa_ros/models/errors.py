"""Errors raised when a checkpoint cannot be loaded as asked."""

from __future__ import annotations


class CheckpointError(ValueError):
    """A checkpoint is unreadable, or its keys/shapes do not match the model to build."""


class UnreadableCheckpointError(CheckpointError):
    """A file that does not read as a checkpoint at all: damaged bytes, or no torch.save file.

    ``why``: what it is, short (``an empty file``, ``the bytes of its entry ... do not match
    their stored checksum``), for a command to say with its own advice (``--resume``: the
    run's latest.pt, for which another file is no fix); a copy made with another message alone
    (``type(exc)(message)``, as callers that prefix a message do) says the whole message.
    """

    def __init__(self, message: str, why: str | None = None):
        super().__init__(message)
        self.why = message if why is None else why


class NotACheckpointError(UnreadableCheckpointError):
    """A file that reads as no checkpoint at all (not a damaged one); its line ends with advice.

    ``{path} is not a vjepa_ros checkpoint ({why}): give {give}`` (:meth:`of`; the loaders give
    ``input_paths.CHECKPOINT_FORMAT``). ``path`` and ``why`` are kept for a caller that takes
    other files to say it with its own advice (:meth:`giving`: an encoder option's, in
    ``input_paths.world_model_error``). A copy made with another message alone
    (``type(exc)(message)``) keeps no parts (``path`` None) and says its whole message.
    """

    def __init__(self, message: str, why: str | None = None, path=None):
        super().__init__(message, why)
        self.path = path

    @classmethod
    def of(cls, path, why: str, give: str) -> NotACheckpointError:
        """Return the error for file ``path`` (what it is: ``why``), advising ``give``."""
        return cls(f"{path} is not a vjepa_ros checkpoint ({why}): give {give}", why, path)

    def giving(self, give: str) -> NotACheckpointError:
        """Return this error advising ``give`` instead; itself where its parts are not kept."""
        return self if self.path is None else self.of(self.path, self.why, give)
