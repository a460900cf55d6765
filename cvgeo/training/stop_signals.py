"""SIGTERM and SIGINT as requests to stop at the next step boundary (after a checkpoint), not mid-step."""

from collections.abc import Iterator
from contextlib import contextmanager
import signal
import threading


class StopRequest:
    """Which stop signal arrived, if any; `signal_number` is None until one does."""

    def __init__(self):
        self.signal_number: int | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signal_number).name

    def __bool__(self) -> bool:
        return self.signal_number is not None


@contextmanager
def stop_signals() -> Iterator[StopRequest]:
    """While the block runs, SIGTERM / SIGINT only set the yielded request (the loop checks it between
    steps); a second signal of the same kind acts as before (e.g. KeyboardInterrupt), for a user who
    insists. Outside the main thread signals cannot be caught, and the request stays empty."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return
    previous = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}

    def handle(number, frame):
        if request.signal_number == number:
            signal.signal(number, previous[number])
            signal.raise_signal(number)
            return
        request.signal_number = number

    for number in previous:
        signal.signal(number, handle)
    try:
        yield request
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
