"""fishtts.Engine as a user calls it: say against the CLI, stream, the codec stages, references, errors."""
import os
import subprocess

import numpy as np
import pytest
import soundfile

import fishtts
from conftest import ENGINE_OPTIONS

TEXT = "Hello from fishtts, speaking from Python."


def test_say_equals_cli_say_sample_for_sample(engine, cache_dir, tmp_path):
    cli = os.environ.get("FISHTTS_CLI")
    if not cli:
        pytest.skip("FISHTTS_CLI is not set (ctest sets it)")
    out = tmp_path / "cli.wav"
    subprocess.run([cli, "say", TEXT, "-o", str(out), "--format", "wav-float", "--seed", "7", "--max-new-tokens",
                    "24", "--cache-dir", str(cache_dir), "--precision", ENGINE_OPTIONS["precision"],
                    "--codec-precision", ENGINE_OPTIONS["codec_precision"], "--threads", "1", "-q"], check=True)
    expected, rate = soundfile.read(str(out), dtype="float32")
    audio, sample_rate = engine.say(TEXT, seed=7, max_new_tokens=24)
    assert sample_rate == rate == engine.sample_rate
    assert audio.dtype == np.float32 and audio.ndim == 1 and audio.size > 0
    np.testing.assert_array_equal(audio, expected)


def test_stream_chunks_concatenate_to_say(engine):
    whole, _ = engine.say(TEXT, seed=3, max_new_tokens=20)
    with engine.stream(TEXT, seed=3, max_new_tokens=20, first_chunk_frames=2, chunk_frames=3) as stream:
        chunks = list(stream)
    assert len(chunks) >= 5 and all(c.dtype == np.float32 and c.ndim == 1 for c in chunks)
    np.testing.assert_array_equal(np.concatenate(chunks), whole)
    metrics = stream.metrics()
    assert metrics["frames"] * 2048 == whole.size
    assert metrics["audio_seconds"] == pytest.approx(whole.size / engine.sample_rate)


def test_seed_changes_the_audio(engine):
    a, _ = engine.say(TEXT, seed=1, max_new_tokens=12)
    b, _ = engine.say(TEXT, seed=2, max_new_tokens=12)
    assert not np.array_equal(a, b)


def test_encode_decode_round_trip_shapes(engine, tmp_path):
    audio, rate = engine.say(TEXT, max_new_tokens=10)
    codes = engine.encode(audio, rate)
    rows = codes.shape[0]
    assert codes.dtype == np.int64 and rows > 1 and codes.shape[1] == -(-audio.size // 2048)
    decoded, decoded_rate = engine.decode(codes)
    assert decoded_rate == rate and decoded.dtype == np.float32 and decoded.shape == (codes.shape[1] * 2048,)
    # Another rate is resampled; a file path is read with its own rate.
    half = audio[::2].copy()
    assert engine.encode(half, rate // 2).shape == (rows, -(-(half.size * 2) // 2048))
    path = tmp_path / "say.wav"
    soundfile.write(str(path), audio, rate, subtype="FLOAT")
    np.testing.assert_array_equal(engine.encode(path), codes)


def test_references_audio_codes_and_path_agree(engine, tmp_path):
    voice, rate = engine.say("A voice to clone.", seed=5, max_new_tokens=8)
    plain = engine.synthesize(TEXT, max_new_tokens=8)
    by_audio = engine.synthesize(TEXT, reference_audio=voice, reference_text="A voice to clone.", max_new_tokens=8)
    assert by_audio[2]["prompt_positions"] > plain[2]["prompt_positions"]
    by_codes, _ = engine.say(TEXT, references=[(engine.encode(voice), "A voice to clone.")], max_new_tokens=8)
    path = tmp_path / "voice.wav"
    soundfile.write(str(path), voice, rate, subtype="FLOAT")
    by_path = engine.synthesize(TEXT, reference_audio=str(path), reference_text="A voice to clone.",
                                max_new_tokens=8)
    np.testing.assert_array_equal(by_audio[0], by_codes)
    np.testing.assert_array_equal(by_audio[0], by_path[0])
    audio, sample_rate, metrics = by_path
    assert sample_rate == rate
    for key in ("rtf", "time_to_first_audio_ms", "frames", "audio_seconds"):
        assert metrics[key] > 0
    assert metrics["frames"] * 2048 == audio.size


def test_bad_arguments_raise_with_the_c_message(engine):
    with pytest.raises(fishtts.InvalidArgumentError, match="temperature must be in") as caught:
        engine.say(TEXT, temperature=5.0)
    error = caught.value
    assert isinstance(error, fishtts.Error) and isinstance(error, ValueError)
    assert error.status == 1 and error.status_name == "invalid argument" and error.message == str(error)
    with pytest.raises(fishtts.InvalidArgumentError, match="chunk_length is 99"):
        engine.say(TEXT, chunk_length=99)
    with pytest.raises(fishtts.InvalidArgumentError, match="num_codebooks is 3"):
        engine.decode(np.zeros((3, 4), dtype=np.int64))
    with pytest.raises(fishtts.InvalidArgumentError, match="negative code"):
        engine.decode(np.full((engine.encode(np.zeros(4096, np.float32)).shape[0], 2), -1))
    with pytest.raises(fishtts.NotFoundError) as missing:
        engine.say(TEXT, reference_id="no-such-voice")
    assert missing.value.status == 2
    with pytest.raises(fishtts.InvalidArgumentError, match="precision is 'fp16'; expected one of: auto, fp32"):
        fishtts.Engine(precision="fp16")
    with pytest.raises(fishtts.InvalidArgumentError, match="expected an \\(audio, text\\) pair"):
        engine.say(TEXT, references=["just a path.wav"])
    with pytest.raises(fishtts.InvalidArgumentError, match="expected 1-D mono audio"):
        engine.encode(np.zeros((2, 100), dtype=np.float32), 44100)
    with pytest.raises(TypeError):
        engine.say(b"bytes are not text")


def test_missing_model_is_not_found(tmp_path):
    with pytest.raises(fishtts.Error) as caught:
        fishtts.Engine(model=tmp_path / "no-such-checkpoint", cache_dir=tmp_path)
    assert caught.value.status == 2 and "no-such-checkpoint" in caught.value.message


def test_info_and_closed_engine(cache_dir):
    engine = fishtts.Engine(cache_dir=cache_dir, **ENGINE_OPTIONS)
    info = engine.info
    assert info["demo_model"] == 1 and info["precision"] == "fp32" and info["sample_rate"] == engine.sample_rate
    stream = engine.stream(TEXT, max_new_tokens=6)
    engine.close()
    # A running stream keeps what it needs; max_new_tokens counts the dropped final frame.
    assert sum(c.size for c in stream) == (6 - 1) * 2048
    with pytest.raises(fishtts.InvalidArgumentError, match="closed"):
        engine.say(TEXT)
