"""fishtts.Engine: the loaded model, and Stream: one synthesis pulled chunk by chunk (over the C API)."""
from __future__ import annotations

import threading
import weakref
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ._calls import check, interruptible
from ._inputs import AudioLike, PathLike, audio_and_rate, codes_matrix, fill_references
from ._library import load
from .errors import InvalidArgumentError

Metrics = Dict[str, float]


def _bad(message: str) -> InvalidArgumentError:
    return InvalidArgumentError(message, 1, "invalid argument")


def _enum_value(ffi: Any, c_type: str, prefix: str, value: Optional[str], field: str) -> int:
    """The fishtts.h enum constant PREFIX_<VALUE> (None = AUTO, or the type's 0); choices listed from the header."""
    constants: Dict[str, int] = ffi.typeof(c_type).relements
    if value is None:
        return constants.get(prefix + "AUTO", 0)
    name = prefix + str(value).upper()
    if not isinstance(value, str) or name not in constants:
        choices = ", ".join(sorted(n[len(prefix):].lower() for n in constants))
        raise _bad(f"{field} is {value!r}; expected one of: {choices}")
    return constants[name]


def _c_string(ffi: Any, value: Any, field: str, keep: List[Any]) -> Any:
    import os

    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{field} must be a str or a path, not {type(value).__name__}")
    buffer = ffi.new("char[]", os.fsencode(value) if isinstance(value, os.PathLike) else value.encode("utf-8"))
    keep.append(buffer)
    return buffer


class Stream:
    """One synthesis: an iterator of 1-D float32 chunks at the engine's sample rate, generated as they are pulled
    (feed them to a sound card while the rest is generated). The chunks concatenated equal Engine.say's audio.

    cancel() may be called from any thread: a pull in progress ends within one frame's time with
    fishtts.CancelledError. Ctrl-C on the main thread cancels the same way and raises KeyboardInterrupt.
    Use as a context manager (or call close()) to release the request early; metrics() stays readable after."""

    def __init__(self, engine: "Engine", handle: Any) -> None:
        self._ffi, self._lib = engine._ffi, engine._lib
        self._engine = engine
        self._handle = handle
        self._lock = threading.Lock()  # cancel (any thread) must not race with free
        self._pulling = False
        self._close_requested = False
        self._finished = False
        self._metrics: Optional[Metrics] = None
        self.sample_rate = engine.sample_rate

    def __iter__(self) -> Iterator[np.ndarray]:
        return self

    def __next__(self) -> np.ndarray:
        with self._lock:
            if self._finished or self._handle is None:
                raise StopIteration
            self._pulling = True
        try:
            chunk, is_last = interruptible(self._pull, self.cancel)
        except BaseException:
            self._end_after_error()
            raise
        if is_last:
            self._finish()
        return chunk

    def _pull(self) -> Tuple[np.ndarray, bool]:
        ffi, lib = self._ffi, self._lib
        samples, count, is_last = ffi.new("const float**"), ffi.new("size_t*"), ffi.new("int*")
        try:
            check(ffi, lib, lib.fishtts_synthesis_next(self._handle, samples, count, is_last))
            n = int(count[0])
            chunk = np.frombuffer(ffi.buffer(samples[0], n * 4), dtype=np.float32).copy() if n else \
                np.zeros(0, dtype=np.float32)
            return chunk, bool(is_last[0])
        finally:
            # On the thread that made the C call, once it has returned: a close, or a KeyboardInterrupt that
            # left the waiting thread at any point (even before the wait began), frees the request only now.
            with self._lock:
                self._pulling = False
                if self._close_requested and self._handle is not None:
                    self._metrics = self._read_metrics()
                    self._finished = True
                    self._free_locked()

    def _end_after_error(self) -> None:
        with self._lock:
            self._finished = True
            if self._pulling:  # the C call still runs on the helper thread: it frees the request when it returns
                if self._handle is not None:
                    self._lib.fishtts_synthesis_cancel(self._handle)
                self._close_requested = True
                return
            if self._handle is not None:
                self._metrics = self._read_metrics()
            self._free_locked()

    def _read_metrics(self) -> Metrics:
        ffi, lib = self._ffi, self._lib
        m = ffi.new("fishtts_metrics*")
        check(ffi, lib, lib.fishtts_synthesis_metrics(self._handle, m))
        return {name: getattr(m, name) for name, _ in ffi.typeof("fishtts_metrics").fields}

    def _finish(self) -> None:
        with self._lock:
            self._pulling = False
            self._finished = True
            if self._handle is not None:
                self._metrics = self._read_metrics()
            self._free_locked()

    def _free_locked(self) -> None:
        if self._handle is not None:
            self._lib.fishtts_synthesis_free(self._handle)
            self._handle = None
            self._engine._forget(self)

    def cancel(self) -> None:
        """Stops the synthesis (from any thread): the pull in progress and every later one raise CancelledError."""
        with self._lock:
            if self._handle is not None:
                self._lib.fishtts_synthesis_cancel(self._handle)

    def metrics(self) -> Metrics:
        """The request's cost so far (complete after the last chunk), as a dict of fishtts_metrics' fields: rtf,
        time_to_first_audio_ms, frames, audio_seconds, total_ms, ... (times in milliseconds)."""
        with self._lock:
            if self._handle is not None and not self._pulling:
                return self._read_metrics()
            return dict(self._metrics or {})

    def close(self) -> None:
        """Releases the request (cancelling it if unfinished). From another thread while a pull runs: cancels it,
        and the pulling thread releases the request when its pull returns."""
        with self._lock:
            if self._handle is None:
                return
            if self._pulling:
                self._lib.fishtts_synthesis_cancel(self._handle)
                self._close_requested = True
                return
            self._metrics = self._read_metrics()
            self._free_locked()

    def __enter__(self) -> "Stream":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass


class Engine:
    """A loaded Fish Speech / OpenAudio S1-mini model.

    model: checkpoint folder or converted bundle; None = the built-in demo model (random weights: noise).
    precision: "fp32", "int8", "int4" or None (chosen from the CPU). codec_precision: "fp32", "bf16x3", "bf16",
    "int8" or None (chosen from the CPU). threads: intra-op threads (None = one per physical core). cache_dir:
    where converted bundles go (None = $FISHTTS_CACHE_DIR, $XDG_CACHE_HOME/fishtts, ~/.cache/fishtts).
    references_dir: the store of reference_id voices. sample_space: "semantic" (default) or "full".
    log: called with progress lines while the engine is created (conversion of a checkpoint takes minutes once).

    One engine serves any number of threads at once; the GIL is released while the C++ works, so threads on one
    or several engines run in parallel. close() (or a with block) frees the model."""

    def __init__(self, model: Optional[PathLike] = None, precision: Optional[str] = None,
                 codec_precision: Optional[str] = None, threads: Optional[int] = None,
                 cache_dir: Optional[PathLike] = None, *, references_dir: Optional[PathLike] = None,
                 sample_space: Optional[str] = None, log: Optional[Callable[[str], None]] = None) -> None:
        self._ffi, self._lib = ffi, lib = load()
        self._handle: Any = None
        self._running: "weakref.WeakSet[Stream]" = weakref.WeakSet()
        self._running_lock = threading.Lock()
        keep: List[Any] = []
        params = ffi.new("fishtts_engine_params*")
        params[0] = lib.fishtts_engine_default_params()
        if model is not None:
            params.model_path = _c_string(ffi, model, "model", keep)
        if cache_dir is not None:
            params.cache_dir = _c_string(ffi, cache_dir, "cache_dir", keep)
        if references_dir is not None:
            params.references_dir = _c_string(ffi, references_dir, "references_dir", keep)
        if threads is not None:
            if not isinstance(threads, int) or isinstance(threads, bool) or threads < 0:
                raise _bad(f"threads is {threads!r}; expected a non-negative int (0 = one per physical core)")
            params.threads = threads
        params.precision = _enum_value(ffi, "fishtts_precision", "FISHTTS_PRECISION_", precision, "precision")
        params.codec_precision = _enum_value(ffi, "fishtts_codec_precision", "FISHTTS_CODEC_PRECISION_",
                                             codec_precision, "codec_precision")
        if sample_space is not None:
            params.sample_space = _enum_value(ffi, "fishtts_sample_space", "FISHTTS_SAMPLE_SPACE_", sample_space,
                                              "sample_space")
        if log is not None:
            callback = ffi.callback("fishtts_log_callback",
                                    lambda line, _user: log(ffi.string(line).decode("utf-8", "replace")))
            keep.append(callback)
            params.log_callback = callback
        out = ffi.new("fishtts_engine**")
        check(ffi, lib, lib.fishtts_engine_create(params, out))
        self._handle = out[0]
        self.sample_rate: int = lib.fishtts_engine_sample_rate(self._handle)

    # ---- lifetime ----------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Frees the model. Streams still running keep what they need and finish normally."""
        if self._handle is not None:
            self._lib.fishtts_engine_free(self._handle)
            self._handle = None

    def __enter__(self) -> "Engine":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # interpreter shutdown
            pass

    def _live(self) -> Any:
        if self._handle is None:
            raise _bad("the engine is closed")
        return self._handle

    def _forget(self, stream: Stream) -> None:
        with self._running_lock:
            self._running.discard(stream)

    @property
    def info(self) -> Dict[str, Any]:
        """What was loaded: bundle_dir, precision, codec_precision, threads, sample_rate, demo_model, warnings..."""
        ffi, lib = self._ffi, self._lib
        info = ffi.new("fishtts_engine_info*")
        check(ffi, lib, lib.fishtts_engine_get_info(self._live(), info))
        out: Dict[str, Any] = {}
        for name, field in ffi.typeof("fishtts_engine_info").fields:
            value = getattr(info, name)
            out[name] = ffi.string(value).decode("utf-8", "replace") if field.type.kind == "pointer" else value
        return out

    # ---- synthesis ---------------------------------------------------------------------------------------------

    def stream(self, text: str, *, references: Sequence[Tuple[AudioLike, str]] = (),
               reference_id: Optional[str] = None, seed: Optional[int] = None, temperature: Optional[float] = None,
               top_p: Optional[float] = None, repetition_penalty: Optional[float] = None,
               max_new_tokens: Optional[int] = None, chunk_length: Optional[int] = None, greedy: bool = False,
               penalty_history: Optional[str] = None, chunk_frames: Optional[int] = None,
               first_chunk_frames: Optional[int] = None) -> Stream:
        """Starts speaking `text`; returns a Stream of 1-D float32 chunks (see Stream).

        references: (audio, transcript) pairs of the voice to clone; audio is a file path, mono float samples at
        the engine's rate, a (samples, sample_rate) pair, or codes [codebooks, frames] from encode().
        reference_id: a stored voice (`fishtts references add`). Sampling (None = the library's default):
        seed 42, temperature 0.8, top_p 0.8, repetition_penalty 1.1, max_new_tokens (0 = to the context end),
        greedy, penalty_history "corrected"/"upstream". chunk_length: long text is generated in chunks of at most
        this many characters (100..300, default 200; 0 = one pass). chunk_frames / first_chunk_frames: frames per
        streamed chunk (default 16 / 4). Bad values raise fishtts.InvalidArgumentError with the library's message."""
        ffi, lib = self._ffi, self._lib
        if not isinstance(text, str):
            raise TypeError(f"text must be a str, not {type(text).__name__}")
        keep: List[Any] = []
        p = ffi.new("fishtts_synthesis_params*")
        p[0] = lib.fishtts_synthesis_default_params()
        p.text = _c_string(ffi, text, "text", keep)
        if references:
            p.references = fill_references(ffi, list(references), self.sample_rate, keep)
            p.num_references = len(references)
        if reference_id is not None:
            p.reference_id = _c_string(ffi, reference_id, "reference_id", keep)
        if seed is not None:
            if not isinstance(seed, int) or not 0 <= seed < 2 ** 64:
                raise _bad(f"seed is {seed!r}; expected an int in [0, 2**64)")
            p.seed = seed
        for name, value in (("temperature", temperature), ("top_p", top_p),
                            ("repetition_penalty", repetition_penalty)):
            if value is not None:
                setattr(p, name, float(value))
        for name, value in (("max_new_tokens", max_new_tokens), ("chunk_length", chunk_length),
                            ("chunk_frames", chunk_frames), ("first_chunk_frames", first_chunk_frames)):
            if value is not None:
                if not isinstance(value, int) or isinstance(value, bool) or not -2 ** 31 <= value < 2 ** 31:
                    raise _bad(f"{name} is {value!r}; expected an int")
                setattr(p, name, value)
        p.greedy = 1 if greedy else 0
        if penalty_history is not None:
            p.penalty_history = _enum_value(ffi, "fishtts_penalty_history", "FISHTTS_PENALTY_HISTORY_",
                                            penalty_history, "penalty_history")
        out = ffi.new("fishtts_synthesis**")
        check(ffi, lib, lib.fishtts_synthesis_start(self._live(), p, out))
        stream = Stream(self, out[0])
        with self._running_lock:
            self._running.add(stream)
        return stream

    def say(self, text: str, **options: Any) -> Tuple[np.ndarray, int]:
        """Speaks `text`: (audio, sample_rate), audio a 1-D float32 array in [-1, 1]. Options as stream()."""
        audio, rate, _ = self._run(self.stream(text, **options))
        return audio, rate

    def synthesize(self, text: str, reference_audio: Optional[AudioLike] = None,
                   reference_text: Optional[str] = None, **options: Any) -> Tuple[np.ndarray, int, Metrics]:
        """The one-call form: (audio, sample_rate, metrics). reference_audio is a file path or samples (at the
        engine's rate, or a (samples, sample_rate) pair) spoken as reference_text; metrics holds rtf,
        time_to_first_audio_ms, frames, audio_seconds and the rest of fishtts_metrics. Options as stream()."""
        if (reference_audio is None) != (reference_text is None):
            raise _bad("reference_audio and reference_text go together: give both or neither")
        if reference_audio is not None:
            options["references"] = [(reference_audio, reference_text)] + list(options.get("references", ()))
        return self._run(self.stream(text, **options))

    def _run(self, stream: Stream) -> Tuple[np.ndarray, int, Metrics]:
        with stream:
            chunks = list(stream)
        audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
        return audio, self.sample_rate, stream.metrics()

    def cancel(self) -> None:
        """Cancels every say / stream / synthesize running on this engine (from any thread): each raises
        fishtts.CancelledError within one frame's time."""
        with self._running_lock:
            running = list(self._running)
        for stream in running:
            stream.cancel()

    # ---- codec stages ------------------------------------------------------------------------------------------

    def encode(self, audio: AudioLike, sample_rate: Optional[int] = None) -> np.ndarray:
        """Audio to codec codes, as `fishtts encode`: an int64 array [codebooks, frames] (row 0 semantic).
        audio: a file path, or mono float samples at sample_rate (default: the engine's rate)."""
        ffi, lib = self._ffi, self._lib
        samples, rate = audio_and_rate(audio, sample_rate, self.sample_rate, "audio")
        codes, rows, frames = ffi.new("int32_t**"), ffi.new("size_t*"), ffi.new("size_t*")
        check(ffi, lib, lib.fishtts_codec_encode(self._live(), ffi.from_buffer("float[]", samples), samples.size,
                                                 rate, codes, rows, frames))
        try:
            shape = (int(rows[0]), int(frames[0]))
            values = np.frombuffer(ffi.buffer(codes[0], shape[0] * shape[1] * 4), dtype=np.int32)
            return values.reshape(shape).astype(np.int64)
        finally:
            lib.fishtts_free(codes[0])

    def decode(self, codes: Any) -> Tuple[np.ndarray, int]:
        """Codec codes [codebooks, frames] (any integer dtype, as encode() or `fishtts generate` give) to
        (audio, sample_rate), as `fishtts decode`."""
        ffi, lib = self._ffi, self._lib
        matrix = codes_matrix(codes, "codes")
        samples, count = ffi.new("float**"), ffi.new("size_t*")
        check(ffi, lib, lib.fishtts_codec_decode(self._live(), ffi.from_buffer("int32_t[]", matrix), matrix.shape[0],
                                                 matrix.shape[1], samples, count))
        try:
            return np.frombuffer(ffi.buffer(samples[0], int(count[0]) * 4), dtype=np.float32).copy(), \
                self.sample_rate
        finally:
            lib.fishtts_free(samples[0])
