"""Crash-loop back-off: the delay before the kubelet restarts an exited container.

Source: ``pkg/kubelet/kubelet.go`` (``initialCrashLoopBackOff`` 10 s, ``MaxCrashLoopBackOff``
300 s, ``newCrashLoopBackOff``), ``client-go/util/flowcontrol/backoff.go`` and kuberuntime
``doBackOff`` (k8s-semantics.md §7.3).  The delay starts at the initial value, doubles on
every restart, is capped at the maximum, and is reset to the initial value when the next
exit comes more than ``2 x max`` after the last back-off update (10 minutes with the
defaults).  The first restart after a fresh start is immediate (no entry yet).

The product model abstracts time away: while the delay runs the container is
``Waiting: CrashLoopBackOff`` and the restart is a nondeterministic later step
(`podmodel.model.actions.KubeletRestartContainer`), so every delay sequence below is covered by
the untimed model.  These functions give the delays themselves.

>>> delays(7)
[0, 10, 20, 40, 80, 160, 300]
>>> delays(4, reduce_decay=True)
[0, 1, 2, 4]
>>> BackOff().next(0.0).next(30.0).next(60.0).delay
20
>>> BackOff().next(0.0).next(30.0).next(60.0).next(60.0 + 601).delay  # > 2 x max since the last update: reset
10
"""

from __future__ import annotations

from dataclasses import dataclass


def limits(*, reduce_decay: bool = False, max_restart_period: int | None = None) -> tuple[int, int]:
    """(initial, max) delay in seconds.

    ``reduce_decay``: gate ``ReduceDefaultCrashLoopBackOffDecay`` (alpha 1.33): 1 s / 60 s.
    ``max_restart_period``: kubelet config ``crashLoopBackOff.maxContainerRestartPeriod``
    (gate ``KubeletCrashLoopBackOffMax``, beta on in 1.35); the initial delay is lowered
    to it when it is smaller.
    """
    initial, maximum = (1, 60) if reduce_decay else (10, 300)
    if max_restart_period is not None:
        if max_restart_period < 1:
            raise ValueError("maxContainerRestartPeriod must be at least 1 second")
        maximum = max_restart_period
        initial = min(initial, maximum)
    return initial, maximum


@dataclass(frozen=True)
class BackOff:
    """One container's back-off entry: the current ``delay`` and the ``updated`` time of
    its last update (None before the first exit)."""

    delay: int = 0
    updated: float | None = None
    initial: int = 10
    maximum: int = 300

    def next(self, now: float) -> BackOff:
        """The entry after an exit at time ``now`` (seconds): the delay to wait now."""
        if self.updated is None:
            return BackOff(0, now, self.initial, self.maximum)  # first restart: immediate
        if now - self.updated > 2 * self.maximum:
            return BackOff(self.initial, now, self.initial, self.maximum)
        nxt = self.initial if self.delay == 0 else min(self.delay * 2, self.maximum)
        return BackOff(nxt, now, self.initial, self.maximum)


def delays(restarts: int, **kw: object) -> list[int]:
    """The delays before each of ``restarts`` restarts of a container that keeps crashing."""
    initial, maximum = limits(**kw)  # type: ignore[arg-type]
    b, out = BackOff(initial=initial, maximum=maximum), []
    for i in range(restarts):
        b = b.next(float(i))
        out.append(b.delay)
    return out
