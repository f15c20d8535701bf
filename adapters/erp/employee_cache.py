"""A short-lived, bounded cache of employees read from the ERP.

One approval click asks for the same people several times (the authority check, the acting approver of
the next step, the ERP's webhook for the same decision). The ERP stays the authority: it re-checks the
approver on every decision, so an employee (and their absence) seen up to `ttl` seconds ago only
decides which card the bot shows or whether it forwards a click. Absences changed through this client
are written through at once; a read that started before such a change is not kept.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from commands.ports.erp import Employee


class EmployeeCache:
    """At most `size` employees, each for `ttl` seconds (0 turns caching off)."""

    def __init__(self, ttl: float, size: int = 1024, *, clock: Callable[[], float] = time.monotonic) -> None:
        if size < 1:
            raise ValueError("cache size must be positive")
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[str, tuple[float, Employee]] = OrderedDict()
        self._epoch = 0  # bumped by every change; a read that began in an older epoch is not kept

    @property
    def epoch(self) -> int:
        return self._epoch

    def get(self, employee_no: str) -> Employee | None:
        entry = self._entries.get(employee_no)
        if entry is None:
            return None
        if self._clock() - entry[0] >= self._ttl:
            del self._entries[employee_no]
            return None
        self._entries.move_to_end(employee_no)
        return entry[1]

    def keep(self, employee_no: str, employee: Employee, *, read_in: int) -> None:
        """Keep what a read that began in epoch `read_in` returned, unless something changed since."""
        if read_in == self._epoch:
            self._put(employee_no, employee)

    def changing(self, employee_no: str) -> None:
        """`employee_no` is about to change: forget it, and let no read in flight bring it back."""
        self._epoch += 1
        self._entries.pop(employee_no, None)

    def changed(self, employee_no: str, employee: Employee) -> None:
        """The ERP answered a change with the employee's new state."""
        self._epoch += 1
        self._put(employee_no, employee)

    def _put(self, employee_no: str, employee: Employee) -> None:
        if self._ttl <= 0:
            return
        self._entries[employee_no] = (self._clock(), employee)
        self._entries.move_to_end(employee_no)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)
