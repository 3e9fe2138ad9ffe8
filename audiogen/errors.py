"""One family of errors, with messages written for the person running audiogen.

The CLI prints ``Error: <message>`` and exits with the class's ``exit_code``;
anything that is not an :class:`AudiogenError` is a bug.
"""

from __future__ import annotations


class AudiogenError(Exception):
    """Base class: the message says what went wrong and what to do next."""

    exit_code = 1


class InputError(AudiogenError):
    """The article or script given cannot be used (missing, empty, binary...)."""

    exit_code = 3


class NoArticleError(InputError):
    """The page holds no article to read (only code, templates or page scaffolding)."""


class ConfigError(AudiogenError):
    """A config file, lexicon or option value is invalid."""

    exit_code = 4


class EngineError(AudiogenError):
    """The speech engine is missing, failed, or a voice is unknown."""

    exit_code = 5


class AudioError(AudiogenError):
    """Decoding, mixing or encoding audio failed (ffmpeg, stingers, cover)."""

    exit_code = 6


class OutputError(AudiogenError):
    """A file could not be written (permissions, disk full...)."""

    exit_code = 7


class ClusterError(AudiogenError):
    """The Dask cluster cannot be reached or set up (--cluster)."""

    exit_code = 8
