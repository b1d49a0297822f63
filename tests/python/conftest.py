"""Shared fixtures of the fishtts Python tests: one demo-model engine per session, its bundle cached in a folder
that the CLI parity test shares. ctest sets FISHTTS_LIBRARY (the build's libfishtts.so), FISHTTS_CLI and
FISHTTS_TEST_CACHE; run by hand: PYTHONPATH=python FISHTTS_CLI=build/tools/fishtts/fishtts pytest tests/python."""
import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "python"))  # the package from this tree

import fishtts  # noqa: E402

# fp32 everywhere: the same bundle and arithmetic for the engine and the CLI whatever the CPU picks.
ENGINE_OPTIONS = dict(precision="fp32", codec_precision="fp32", threads=1)


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    path = os.environ.get("FISHTTS_TEST_CACHE")
    return Path(path) if path else tmp_path_factory.mktemp("fishtts-cache")


@pytest.fixture(scope="session")
def engine(cache_dir):
    with fishtts.Engine(cache_dir=cache_dir, **ENGINE_OPTIONS) as e:
        yield e


@pytest.fixture(scope="session")
def long_text() -> str:
    return (Path(__file__).resolve().parents[1] / "data" / "long-text.txt").read_text(encoding="utf-8")
