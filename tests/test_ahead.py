"""RunAhead: a stage on its own thread keeps order, passes errors on, and stops when told."""

from __future__ import annotations

import threading
import time

import pytest

from formcheck.io.ahead import RunAhead


def test_items_arrive_in_order_and_the_queue_bounds_how_far_ahead():
    made = []

    def items():
        for i in range(50):
            made.append(i)
            yield i

    ahead = RunAhead(items(), depth=3, name="test")
    time.sleep(0.2)
    assert len(made) <= 3 + 1  # the queue's three, and one waiting to go in
    assert list(ahead) == list(range(50))


def test_an_error_while_producing_is_raised_to_the_consumer_after_the_items_before_it():
    def items():
        yield 1
        raise ValueError("broken frame")

    got = []
    with pytest.raises(ValueError, match="broken frame"):
        for item in RunAhead(items(), depth=2, name="test"):
            got.append(item)
    assert got == [1]


def test_close_stops_the_producer_and_closes_its_items():
    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    ahead = RunAhead(endless(), depth=2, name="test")
    assert next(iter(ahead)) == 0
    ahead.close()
    assert closed.is_set()  # close waited for the producer, which closed the items


def test_close_from_another_thread_ends_a_consumer_waiting_for_items():
    release = threading.Event()

    def slow():
        yield 1
        release.wait(10)
        yield 2

    ahead = RunAhead(slow(), depth=2, name="test")
    got = []
    consumer = threading.Thread(target=lambda: got.extend(ahead))
    consumer.start()
    time.sleep(0.2)
    threading.Timer(0.1, release.set).start()
    ahead.close()
    consumer.join(5)
    assert not consumer.is_alive() and got[0] == 1
