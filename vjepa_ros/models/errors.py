"""Errors raised when a checkpoint cannot be loaded as asked."""


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
