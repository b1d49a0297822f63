"""fishtts: Fish Speech / OpenAudio S1-mini text to speech on the CPU, over libfishtts's C API.

    import fishtts
    engine = fishtts.Engine()                       # or Engine("checkpoints/openaudio-s1-mini")
    audio, sample_rate = engine.say("Hello from fishtts.")
    for chunk in engine.stream("Streamed while it is generated."):
        play(chunk)                                 # 1-D float32 at engine.sample_rate
"""
from ._library import LibraryNotFound, library_path
from .engine import Engine, Metrics, Stream
from .errors import (AlreadyExistsError, BadFormatError, CancelledError, Error, InternalError,
                     InvalidArgumentError, IoError, NotFoundError, OutOfRangeError, UnsupportedError)


def version() -> str:
    """The version of the loaded libfishtts."""
    from ._library import load

    ffi, lib = load()
    return ffi.string(lib.fishtts_version()).decode()


__version__ = "0.1.0"
__all__ = ["Engine", "Stream", "Metrics", "Error", "InvalidArgumentError", "NotFoundError", "BadFormatError",
           "UnsupportedError", "IoError", "OutOfRangeError", "CancelledError", "InternalError", "AlreadyExistsError",
           "LibraryNotFound", "library_path", "version"]
