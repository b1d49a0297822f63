"""Threads: cancel from another thread, Ctrl-C, two engines in parallel (the GIL released), memory after close."""
import signal
import threading
import time

import pytest

import fishtts
from conftest import ENGINE_OPTIONS


def long_stream(engine, long_text):
    # Far longer than the test waits: several text chunks of 100+ frames each.
    return engine.stream(long_text, max_new_tokens=400, first_chunk_frames=1, chunk_frames=1)


@pytest.mark.parametrize("how", ["stream.cancel", "engine.cancel"])
def test_cancel_from_a_thread_ends_a_long_stream_within_200_ms(engine, long_text, how):
    stream = long_stream(engine, long_text)
    cancelled_at = []

    def cancel():
        time.sleep(0.3)
        cancelled_at.append(time.perf_counter())
        stream.cancel() if how == "stream.cancel" else engine.cancel()

    canceller = threading.Thread(target=cancel)
    pulled = 0
    with pytest.raises(fishtts.CancelledError, match="cancel"):
        canceller.start()
        for _ in stream:
            pulled += 1
    ended_at = time.perf_counter()
    canceller.join()
    assert pulled > 1
    assert ended_at - cancelled_at[0] < 0.2
    assert 0 < stream.metrics()["frames"] < 400


def test_keyboard_interrupt_stops_a_running_say(engine, long_text):
    assert threading.current_thread() is threading.main_thread()
    sent_at = []

    def interrupt():
        time.sleep(0.3)
        sent_at.append(time.perf_counter())
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)

    interrupter = threading.Thread(target=interrupt)
    interrupter.start()
    with pytest.raises(KeyboardInterrupt):
        engine.say(long_text, max_new_tokens=400)  # default chunks: 16 frames per C call
    ended_at = time.perf_counter()
    interrupter.join()
    assert ended_at - sent_at[0] < 0.2
    engine.say("Still usable after the interrupt.", max_new_tokens=4)


def test_two_engines_in_two_threads_run_in_parallel(cache_dir):
    engines = [fishtts.Engine(cache_dir=cache_dir, **ENGINE_OPTIONS) for _ in range(2)]
    text = "Two engines, two threads, one at a time and then together."

    def work(engine):
        engine.say(text, seed=1, max_new_tokens=60, chunk_length=0)

    work(engines[0])  # warm-up
    alone = []
    for engine in engines:
        start = time.perf_counter()
        work(engine)
        alone.append(time.perf_counter() - start)
    threads = [threading.Thread(target=work, args=(e,)) for e in engines]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    together = time.perf_counter() - start
    for engine in engines:
        engine.close()
    # Serialized by the GIL, together would be about sum(alone); in parallel about max(alone) on two free cores.
    assert together < 0.8 * sum(alone), f"together {together:.2f} s, alone {alone}"


def resident_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096


def test_memory_returns_after_close(cache_dir):
    readings = []
    for cycle in range(20):
        engine = fishtts.Engine(cache_dir=cache_dir, **ENGINE_OPTIONS)
        engine.say("Create, speak, close.", max_new_tokens=3)
        engine.close()
        del engine
        readings.append(resident_bytes())
    growth = readings[-1] - readings[4]  # after the first cycles have warmed the allocator and ONNX Runtime
    assert growth < 16 << 20, f"resident memory grew {growth / 2**20:.1f} MB over cycles 5..20: {readings}"
