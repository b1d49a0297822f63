"""Python values (paths, NumPy arrays, (audio, text) pairs) to the arrays the C API reads."""
from __future__ import annotations

import os
from typing import Any, List, Optional, Sequence, Tuple, Union

import numpy as np

from .errors import InvalidArgumentError

PathLike = Union[str, "os.PathLike[str]"]
# A reference's audio: a file path, mono samples at the engine's rate, (samples, sample_rate), or codec codes
# (an integer array [codebooks, frames], as Engine.encode returns).
AudioLike = Union[PathLike, np.ndarray, Tuple[np.ndarray, int]]


def read_audio_file(path: PathLike) -> Tuple[np.ndarray, int]:
    """Any file libsndfile reads (soundfile), mixed to mono float32, with its sample rate."""
    import soundfile  # only needed for paths

    try:
        data, rate = soundfile.read(os.fspath(path), dtype="float32", always_2d=True)
    except (RuntimeError, OSError) as error:  # soundfile's LibsndfileError is a RuntimeError
        raise InvalidArgumentError(f"{os.fspath(path)}: cannot read audio ({error})", 1, "invalid argument") from None
    mono = data[:, 0] if data.shape[1] == 1 else data.mean(axis=1, dtype=np.float32)
    return np.ascontiguousarray(mono, dtype=np.float32), int(rate)


def mono_samples(audio: Any, what: str) -> np.ndarray:
    """A contiguous 1-D float32 copy-or-view of `audio`, or InvalidArgumentError naming `what`."""
    array = np.asarray(audio)
    if array.ndim != 1:
        raise InvalidArgumentError(f"{what}: expected 1-D mono audio, got shape {array.shape}", 1, "invalid argument")
    if not np.issubdtype(array.dtype, np.floating):
        raise InvalidArgumentError(f"{what}: expected float samples in [-1, 1], got dtype {array.dtype}", 1,
                                   "invalid argument")
    return np.ascontiguousarray(array, dtype=np.float32)


def audio_and_rate(audio: AudioLike, sample_rate: Optional[int], default_rate: int, what: str
                   ) -> Tuple[np.ndarray, int]:
    """(mono float32 samples, their rate) from a path, an array (at sample_rate, else default_rate) or a pair."""
    if isinstance(audio, (str, os.PathLike)):
        return read_audio_file(audio)
    if isinstance(audio, tuple) and len(audio) == 2:
        audio, sample_rate = audio
    return mono_samples(audio, what), int(sample_rate if sample_rate is not None else default_rate)


def codes_matrix(codes: Any, what: str) -> np.ndarray:
    """A contiguous int32 [codebooks, frames] array, or InvalidArgumentError naming `what`."""
    array = np.asarray(codes)
    if array.ndim != 2 or not np.issubdtype(array.dtype, np.integer):
        raise InvalidArgumentError(f"{what}: expected an integer array [codebooks, frames], got {array.dtype} "
                                   f"shape {array.shape}", 1, "invalid argument")
    if array.size and (array.min() < np.iinfo(np.int32).min or array.max() > np.iinfo(np.int32).max):
        raise InvalidArgumentError(f"{what}: a code is outside the int32 range", 1, "invalid argument")
    return np.ascontiguousarray(array, dtype=np.int32)


def is_codes(audio: Any) -> bool:
    return isinstance(audio, np.ndarray) and audio.ndim == 2 and np.issubdtype(audio.dtype, np.integer)


def fill_references(ffi: Any, references: Sequence[Tuple[AudioLike, str]], engine_rate: int, keep: List[Any]) -> Any:
    """A fishtts_reference[] for (audio, text) pairs; the arrays it points to are appended to `keep`."""
    array = ffi.new("fishtts_reference[]", len(references))
    keep.append(array)
    for i, pair in enumerate(references):
        what = f"references[{i}]"
        if not isinstance(pair, (tuple, list)) or len(pair) != 2 or not isinstance(pair[1], str):
            raise InvalidArgumentError(f"{what}: expected an (audio, text) pair", 1, "invalid argument")
        audio, text = pair
        text_buffer = ffi.new("char[]", text.encode("utf-8"))
        keep.append(text_buffer)
        array[i].text = text_buffer
        if is_codes(audio):
            codes = codes_matrix(audio, what)
            keep.append(codes)
            array[i].codes = ffi.from_buffer("int32_t[]", codes)
            array[i].num_codebooks, array[i].num_frames = codes.shape
            continue
        samples, rate = audio_and_rate(audio, None, engine_rate, what)
        keep.append(samples)
        array[i].samples = ffi.from_buffer("float[]", samples)
        array[i].num_samples = samples.size
        array[i].sample_rate = rate
    return array
