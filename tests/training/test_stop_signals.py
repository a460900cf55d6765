import os
import signal

import pytest

from cvgeo.training.stop_signals import stop_signals


def test_a_signal_becomes_a_request_and_handlers_are_restored():
    before = signal.getsignal(signal.SIGTERM)
    with stop_signals() as stop:
        assert not stop
        os.kill(os.getpid(), signal.SIGTERM)
        assert stop and stop.name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_second_ctrl_c_interrupts_at_once():
    # As in an interactive run: a background job (CI, `cmd &`) may start with SIGINT ignored.
    outside = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            with stop_signals() as stop:
                os.kill(os.getpid(), signal.SIGINT)
                assert stop.name == "SIGINT"
                os.kill(os.getpid(), signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, outside)
