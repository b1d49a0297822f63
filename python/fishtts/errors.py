"""fishtts errors: one Python class per C status (fishtts_status in fishtts.h), all under fishtts.Error."""
from __future__ import annotations

from typing import Dict, Type


class Error(Exception):
    """A failed fishtts call. `status` is the C status (an int of fishtts_status), `status_name` its C name
    ("invalid argument", ...), `message` the library's message (fishtts_last_error)."""

    def __init__(self, message: str, status: int = 8, status_name: str = "internal") -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.status_name = status_name


class InvalidArgumentError(Error, ValueError):
    """FISHTTS_INVALID_ARGUMENT: a value passed in is wrong (out of range, malformed, missing)."""


class NotFoundError(Error, LookupError):
    """FISHTTS_NOT_FOUND: a file, model or reference voice that should exist does not."""


class BadFormatError(Error):
    """FISHTTS_BAD_FORMAT: a file exists but its content is malformed."""


class UnsupportedError(Error):
    """FISHTTS_UNSUPPORTED: well-formed but outside what the engine handles."""


class IoError(Error):
    """FISHTTS_IO: the OS refused a read or a write."""


class OutOfRangeError(Error):
    """FISHTTS_OUT_OF_RANGE: a size above a limit (text too long, too many frames)."""


class CancelledError(Error):
    """FISHTTS_CANCELLED: the request was cancelled (Engine.cancel, Stream.cancel, or KeyboardInterrupt)."""


class InternalError(Error):
    """FISHTTS_INTERNAL: a bug in fishtts, or out of memory."""


class AlreadyExistsError(Error):
    """FISHTTS_ALREADY_EXISTS: something to be created exists already."""


# Keyed by the enum constant's name in fishtts.h, so the numbers come from the header.
BY_C_NAME: Dict[str, Type[Error]] = {
    "FISHTTS_INVALID_ARGUMENT": InvalidArgumentError,
    "FISHTTS_NOT_FOUND": NotFoundError,
    "FISHTTS_BAD_FORMAT": BadFormatError,
    "FISHTTS_UNSUPPORTED": UnsupportedError,
    "FISHTTS_IO": IoError,
    "FISHTTS_OUT_OF_RANGE": OutOfRangeError,
    "FISHTTS_CANCELLED": CancelledError,
    "FISHTTS_INTERNAL": InternalError,
    "FISHTTS_ALREADY_EXISTS": AlreadyExistsError,
}
