"""Finds libfishtts and declares its C API to cffi from the C header itself (include/fishtts/fishtts.h).

The header is the one source of truth: the structs, enums and functions Python sees are parsed from the header
that matches the library, so a field added in C never leaves Python with a stale layout.

Search order (the first library found wins; its header is looked for beside it):
  1. $FISHTTS_LIBRARY: a path to libfishtts.so (header: $FISHTTS_HEADER, or the candidates below);
  2. the copy bundled into the installed package (fishtts/_native/, made by `pip install ./python`);
  3. the source tree this package sits in (`pip install -e ./python`): target fishtts_shared in $FISHTTS_BUILD_DIR,
     <repo>/build or <repo>/build-python (as setup.py builds it), header <repo>/include/fishtts/fishtts.h;
  4. an installed library (`cmake --install`): <prefix>/lib*/libfishtts.so.0 for $FISHTTS_PREFIX, sys.prefix,
     /usr/local and /usr, header <prefix>/include/fishtts/fishtts.h.
"""
from __future__ import annotations

import ctypes
import os
import sys
import threading
from pathlib import Path
from typing import Any, Iterator, Optional, Tuple

import cffi

_PACKAGE_DIR = Path(__file__).resolve().parent
_NATIVE_DIR = _PACKAGE_DIR / "_native"
_REPO_DIR = _PACKAGE_DIR.parent.parent
_LIBRARY_NAMES = ("libfishtts.so.0", "libfishtts.so")


class LibraryNotFound(ImportError):
    """libfishtts.so (or its header) is nowhere this package looks; the message lists where it looked."""


def declarations(header_text: str) -> str:
    """The C declarations of fishtts.h as cffi's cdef takes them: preprocessor lines, the C++ guard and the export
    macro removed (cffi strips the comments itself)."""
    lines = []
    in_cplusplus = False
    for line in header_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#ifdef __cplusplus"):
            in_cplusplus = True
        elif in_cplusplus and stripped.startswith("#endif"):
            in_cplusplus = False
        elif not in_cplusplus and not stripped.startswith("#"):
            lines.append(line)
    return "\n".join(lines).replace("FISHTTS_API", "")


def _header_beside(library: Path) -> Iterator[Path]:
    if os.environ.get("FISHTTS_HEADER"):
        yield Path(os.environ["FISHTTS_HEADER"])
    yield library.parent / "fishtts.h"                                   # the bundled copy
    for up in library.parents:                                            # <prefix>/include or <repo>/include
        yield up / "include" / "fishtts" / "fishtts.h"


def _candidates() -> Iterator[Path]:
    if os.environ.get("FISHTTS_LIBRARY"):
        yield Path(os.environ["FISHTTS_LIBRARY"])
    for name in _LIBRARY_NAMES:
        yield _NATIVE_DIR / name
    if (_REPO_DIR / "include" / "fishtts" / "fishtts.h").is_file():
        builds = [os.environ.get("FISHTTS_BUILD_DIR"), _REPO_DIR / "build", _REPO_DIR / "build-python"]
        for build in filter(None, builds):
            yield Path(build) / "src" / "api" / "libfishtts.so"
    prefixes = [os.environ.get("FISHTTS_PREFIX"), sys.prefix, "/usr/local", "/usr"]
    for prefix in filter(None, prefixes):
        for libdir in ("lib", "lib64", "lib/x86_64-linux-gnu"):
            for name in _LIBRARY_NAMES:
                yield Path(prefix) / libdir / name


def locate() -> Tuple[Path, Path]:
    """(library, header) by the search order above; raises LibraryNotFound naming every place tried."""
    tried = []
    for library in _candidates():
        tried.append(str(library))
        if library.is_file():
            for header in _header_beside(library.resolve()):
                if header.is_file():
                    return library, header
            raise LibraryNotFound(f"found {library} but no fishtts.h beside it or in an include/ folder above it "
                                  "(set FISHTTS_HEADER)")
    raise LibraryNotFound("libfishtts.so not found; build it (cmake --build build --target fishtts_shared), "
                          "install it (cmake --install), or set FISHTTS_LIBRARY. Looked in: " + ", ".join(tried))


def _preload_bundled_onnxruntime() -> None:
    # The bundled libfishtts needs libonnxruntime.so.1; loading the copy beside it first (RTLD_GLOBAL) lets the
    # loader resolve that dependency by its soname whatever the library's rpath says.
    ort = _NATIVE_DIR / "libonnxruntime.so.1"
    if ort.is_file():
        ctypes.CDLL(str(ort), mode=ctypes.RTLD_GLOBAL)


_lock = threading.Lock()
_loaded: Optional[Tuple[cffi.FFI, Any, Path]] = None


def load() -> Tuple[cffi.FFI, Any]:
    """The cffi FFI and the opened library (once per process). cffi releases the GIL during every C call."""
    global _loaded
    with _lock:
        if _loaded is None:
            library, header = locate()
            ffi = cffi.FFI()
            ffi.cdef(declarations(header.read_text(encoding="utf-8")))
            if library.resolve().parent == _NATIVE_DIR:
                _preload_bundled_onnxruntime()
            _loaded = (ffi, ffi.dlopen(str(library)), library)
        return _loaded[0], _loaded[1]


def library_path() -> Path:
    """Where the loaded libfishtts came from."""
    load()
    assert _loaded is not None
    return _loaded[2]
