"""CPU time of processes, read from /proc: on a shared machine it says more about a program
than requests per second, which depend on the neighbours too."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int, reaped_children: bool = False) -> float:
    """CPU time of a process (user + system), with that of the children it has waited for."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])  # cutime, cstime
    return ticks / CLOCK_TICKS


class CpuMeter:
    """CPU used by the web server (gunicorn's master and workers, replaced ones included), the
    job worker and the PostgreSQL backends of the bench database: the machine is shared, so
    requests per second alone may say more about the neighbours than about Concerto."""

    def __init__(self, web: subprocess.Popen, job_worker: subprocess.Popen,
                 backend_pids: Callable[[], list[int]]) -> None:
        self.web, self.job_worker, self.backend_pids = web.pid, job_worker.pid, backend_pids
        self.backends: dict[int, list[float]] = {}  # pid -> [first seen, last seen]
        self._stop = threading.Event()

    def _web(self) -> float:
        children = subprocess.run(["pgrep", "-P", str(self.web)], capture_output=True,
                                  text=True).stdout.split()
        return cpu_seconds(self.web, True) + sum(cpu_seconds(int(pid)) for pid in children)

    def _sample_backends(self) -> None:
        for pid in self.backend_pids():
            used = cpu_seconds(pid)
            self.backends.setdefault(pid, [used, used])[1] = used

    def _database(self) -> float:
        return sum(last - first for first, last in self.backends.values())

    @contextmanager
    def measure(self):
        """Yields a dict, filled on exit with the CPU seconds of each part."""
        used: dict[str, float] = {}
        self.backends.clear()
        self._sample_backends()
        web, job_worker, database = self._web(), cpu_seconds(self.job_worker), self._database()
        self._stop.clear()

        def follow_backends() -> None:  # a backend that closes keeps what it used till then
            while not self._stop.wait(1):
                self._sample_backends()

        follower = threading.Thread(target=follow_backends, daemon=True)
        follower.start()
        try:
            yield used
        finally:
            self._stop.set()
            follower.join()
            self._sample_backends()
            used.update(web=self._web() - web, database=self._database() - database,
                        worker=cpu_seconds(self.job_worker) - job_worker)
