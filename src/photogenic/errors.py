"""Errors that reach the user as one line, without a traceback."""


class PhotogenicError(Exception):
    """A user-facing error: bad input, bad config, missing file. The CLI prints it on one line."""


class ConfigError(PhotogenicError):
    """A config file or a ``--set`` override is invalid (unknown key, wrong type)."""
