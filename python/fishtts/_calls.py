"""C statuses to exceptions, and C calls that Ctrl-C can interrupt."""
from __future__ import annotations

import threading
from typing import Any, Callable, Dict, Type, TypeVar

from .errors import BY_C_NAME, Error

T = TypeVar("T")
_classes: Dict[int, Type[Error]] = {}


def check(ffi: Any, lib: Any, status: int) -> None:
    """Raises the fishtts.Error subclass of `status` with this thread's fishtts_last_error(); nothing on OK.
    Must run on the thread that made the call: the C library keeps the last error per thread."""
    if status == lib.FISHTTS_OK:
        return
    if not _classes:
        _classes.update({getattr(lib, name): cls for name, cls in BY_C_NAME.items() if hasattr(lib, name)})
    message = ffi.string(lib.fishtts_last_error()).decode("utf-8", "replace")
    name = ffi.string(lib.fishtts_status_name(status)).decode("utf-8", "replace")
    raise _classes.get(int(status), Error)(message, int(status), name)


def interruptible(work: Callable[[], T], on_interrupt: Callable[[], None]) -> T:
    """work() (a C call and the check of its status) such that Ctrl-C stops it promptly.

    Python runs signal handlers only between bytecodes, so a long C call on the main thread would hold a
    KeyboardInterrupt until it returns. On the main thread the call runs on a helper thread while the main thread
    waits (a wait that signals interrupt); on KeyboardInterrupt, on_interrupt() (a cancel) makes the call return
    within one frame's time, and the KeyboardInterrupt is re-raised. Other threads call work() directly."""
    if threading.current_thread() is not threading.main_thread():
        return work()
    outcome: Dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # handed to the waiting thread
            outcome["error"] = error

    helper = threading.Thread(target=run, name="fishtts-call", daemon=True)
    helper.start()
    interrupted = False
    while True:
        try:
            helper.join()
            break
        except KeyboardInterrupt:
            if not interrupted:
                on_interrupt()
            interrupted = True
    if interrupted:
        raise KeyboardInterrupt
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
