"""Which thread runs the event loop, which stands by, and which serve requests.

Handing every request from the event loop to another thread costs more than serving a
quick one: in CPython the two threads trade the GIL, which is futex calls and context
switches, about as much CPU as the request itself.  So the thread running the loop
serves a ready request itself (*inline*), as a single-threaded server does, as long as
requests are quick; meanwhile no other connection is read or written.  Two things keep
that from costing what threads are for:

* Requests that wait, on a database say, would be served one at a time: when most
  inline requests block the thread (the kernel counts its voluntary context switches;
  every :data:`_SAMPLE_EVERY`-th request is measured), the loop leaves every request to
  the *pool* of threads for :data:`POOL_SPELL` seconds, then tries inline serving again.
  Where the kernel does not count per thread (macOS, Windows), a request counts as
  blocking when it took :data:`SLOW_INLINE` seconds.
* One request that keeps the loop thread :data:`TAKEOVER_AFTER` seconds (a hung
  application, a response waiting on a slow reader) is noticed by the *standby*, a
  second thread that then takes the loop over, and a new standby is started; the
  thread it replaced finishes its request and ends.  (Each thread so replaced holds a
  seat, so there are never more of them than seats.)

The pool also takes every request whose body a thread reads from the socket.  At most
``seats`` threads are in the application at once, inline or in the pool, so
``--threads 1`` still means one: a queued request waits for a free seat, and while one
waits the loop serves nothing inline (it would jump the queue).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from time import monotonic, sleep
from typing import Generic, TypeVar

__all__ = ["POOL_SPELL", "SLOW_INLINE", "TAKEOVER_AFTER", "Crew"]

POOL_SPELL = 1.0
"""Seconds every request goes to the pool once most inline requests blocked."""
SLOW_INLINE = 0.0005
"""Where blocking cannot be counted: the seconds after which an inline request counts as blocking."""
TAKEOVER_AFTER = 0.01
"""Seconds one inline request may keep the loop thread before the standby takes the loop over.

The standby wakes this often while requests are served inline, which costs the loop
thread the GIL each time (about 1 % of requests)."""
_SAMPLE_EVERY = 4  # inline requests, one of which is measured (counting costs two system calls)
_AVERAGE_OVER = 8  # measured requests: the newest weighs 1/8 in the share that blocked

try:
    from resource import RUSAGE_THREAD, getrusage

    def _voluntary_switches() -> float:
        return getrusage(RUSAGE_THREAD).ru_nvcsw
except ImportError:  # no per-thread counts: time stands in, a slow request counting as one switch
    def _voluntary_switches() -> float:
        return monotonic() / SLOW_INLINE

Job = TypeVar("Job")


class Crew(Generic[Job]):
    """The roles of an engine's threads and its queue of jobs (see the module docstring).

    Every method is thread-safe.
    """

    def __init__(self, seats: int, on_takeover: Callable[[int], object]) -> None:
        self.seats = seats
        self._on_takeover = on_takeover  # told the new loop thread's ident, before it may be used
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)  # a job is queued and a seat is free, or the end
        self._queue: deque[Job] = deque()
        self._seated = 0  # threads in the application, inline or in the pool
        self.loop_thread = 0
        """The ident of the thread that runs the event loop."""
        self._standby = 0  # the ident of the thread watching it, 0 while there is none
        self._inline = 0  # inline requests begun
        self._serving_inline = False  # the loop thread is serving one (a replaced thread's does not count)
        self._watching = threading.Event()  # set while inline requests are served: the standby watches
        self._switches = 0.0  # the loop thread's voluntary context switches when the measured request began
        self._blocking_share = 0.0  # of the measured inline requests, a running average
        self._pool_until = 0.0  # when inline serving may begin again
        self.finished = False

    @property
    def queued(self) -> int:
        """Jobs waiting for a pool thread."""
        return len(self._queue)

    # --- the loop thread --------------------------------------------------------------

    def begin_inline(self, now: float) -> bool:
        """Whether the calling thread (the loop's) may serve a request itself; it then holds a seat."""
        with self._lock:
            if (self.loop_thread != threading.get_ident() or not self._standby or self._queue
                    or self._seated >= self.seats or now < self._pool_until):
                return False
            self._seated += 1
            self._inline += 1
            self._serving_inline = True
        if not self._watching.is_set():
            self._watching.set()
        if self._inline % _SAMPLE_EVERY == 0:
            self._switches = _voluntary_switches()
        return True

    def end_inline(self) -> None:
        """The inline request is done (the loop may have been taken over meanwhile: see :attr:`loop_thread`)."""
        with self._lock:
            self._free_seat()
            if self.loop_thread != threading.get_ident():
                return  # replaced meanwhile: what it measured is not the loop thread's
            self._serving_inline = False
            if self._inline % _SAMPLE_EVERY == 0:
                blocked = _voluntary_switches() - self._switches >= 1
                self._blocking_share += (blocked - self._blocking_share) / _AVERAGE_OVER
                if self._blocking_share > 0.5:
                    self._pool_until, self._blocking_share = monotonic() + POOL_SPELL, 0.0

    def queue(self, job: Job) -> None:
        """Leave ``job`` to the pool."""
        with self._lock:
            self._queue.append(job)
            if self._seated < self.seats:
                self._ready.notify()

    def unqueue_all(self) -> list[Job]:
        """Take back every job still queued (the engine is ending)."""
        with self._lock:
            jobs = list(self._queue)
            self._queue.clear()
            return jobs

    # --- pool threads -----------------------------------------------------------------

    def take(self) -> Job | None:
        """A queued job once a seat is free, holding that seat; None when the engine ends."""
        with self._lock:
            while not (self._queue and self._seated < self.seats) and not self.finished:
                self._ready.wait()
            if self.finished:
                return None
            self._seated += 1
            return self._queue.popleft()

    def done(self) -> None:
        """Give the seat back (a pool thread, done with its job)."""
        with self._lock:
            self._free_seat()

    def _free_seat(self) -> None:
        self._seated -= 1
        if self._queue:
            self._ready.notify()

    # --- the standby -----------------------------------------------------------------

    def stand_by(self) -> bool:
        """Watch the loop thread until this thread takes the loop over (True), or until it is
        not needed: the engine ends, or another thread stands by already (False)."""
        me = threading.get_ident()
        with self._lock:
            if not self.loop_thread:  # the first to arrive runs the loop
                self._take_over(me)
                return True
            if self._standby or self.finished:
                return False
            self._standby = me
        while True:
            self._watching.wait()
            if self.finished:
                return False
            seen = self._inline
            sleep(TAKEOVER_AFTER)
            with self._lock:
                if self.finished:
                    return False
                if self._inline == seen and self._serving_inline:  # one request has kept the loop thread all this time
                    self._take_over(me)
                    return True
            if self._inline == seen:  # no inline request began meanwhile: sleep until one does
                self._watching.clear()
                if self._serving_inline:  # (one began just before the clear)
                    self._watching.set()

    def _take_over(self, me: int) -> None:
        self.loop_thread, self._standby, self._serving_inline = me, 0, False
        self._on_takeover(me)

    def finish(self) -> None:
        """The engine is done: the standby and the pool threads return."""
        with self._lock:
            self.finished = True
            self._ready.notify_all()
        self._watching.set()
