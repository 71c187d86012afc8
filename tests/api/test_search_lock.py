"""The readers-writer lock that guards the case index: readers share, a writer is alone."""

from __future__ import annotations

import threading
import time

from voc.api.search import ReadWriteLock


def test_search_lock_readers_share_and_writer_waits_for_them() -> None:
    lock = ReadWriteLock()
    events: list[str] = []
    both_reading = threading.Barrier(2, timeout=5)

    def reader(name: str) -> None:
        with lock.read():
            both_reading.wait()  # would time out if readers excluded each other
            events.append(f"{name}-in")
            time.sleep(0.05)
            events.append(f"{name}-out")

    def writer() -> None:
        time.sleep(0.02)
        with lock.write():
            events.append("writer")

    threads = [threading.Thread(target=reader, args=(n,)) for n in ("a", "b")]
    threads.append(threading.Thread(target=writer))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert events[-1] == "writer" and len(events) == 5


def test_search_lock_waiting_writer_holds_back_new_readers() -> None:
    lock = ReadWriteLock()
    order: list[str] = []
    first_in = threading.Event()

    def first_reader() -> None:
        with lock.read():
            first_in.set()
            time.sleep(0.1)
            order.append("first-reader-out")

    def writer() -> None:
        first_in.wait(5)
        with lock.write():
            order.append("writer")

    def late_reader() -> None:
        first_in.wait(5)
        time.sleep(0.03)  # the writer is waiting by now
        with lock.read():
            order.append("late-reader")

    threads = [threading.Thread(target=f) for f in (first_reader, writer, late_reader)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert order == ["first-reader-out", "writer", "late-reader"]


class _SlowCases:
    """Stands in for `CaseIndex.sync` (counts calls; slow enough for callers to pile up)."""

    def __init__(self) -> None:
        self.calls = 0

    def sync(self) -> tuple[int, int]:
        self.calls += 1
        time.sleep(0.1)
        return self.calls, 0


def test_search_lock_concurrent_refreshes_share_index_syncs() -> None:
    from types import SimpleNamespace

    from voc.api.search import SearchService

    cases = _SlowCases()
    service = SearchService(None, SimpleNamespace(cases=cases), None)  # type: ignore[arg-type]
    results: list[tuple[int, int]] = []
    threads = [
        threading.Thread(target=lambda: results.append(service.sync_index())) for _ in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert len(results) == 6
    assert 1 <= cases.calls <= 2  # the first caller's sync, then one shared by the rest
    before = cases.calls
    service.sync_index()  # a later caller always gets a sync of its own
    assert cases.calls == before + 1
