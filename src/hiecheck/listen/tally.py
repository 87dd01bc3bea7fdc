"""What the listener has done so far, and the line that shows it: counts, never values."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from hiecheck.listen.ack import AckCode


@dataclass(slots=True)
class Tally:
    """Counts since the listener started."""

    messages: int = 0  # frames answered (checked or rejected)
    codes: dict[AckCode, int] = field(
        default_factory=lambda: {AckCode.AA: 0, AckCode.AE: 0, AckCode.AR: 0}
    )
    open_connections: int = 0
    connections: int = 0
    refused: int = 0  # connections closed at once: --max-connections were open
    oversized: int = 0
    stray_bytes: int = 0  # bytes outside frames, skipped
    timeouts: int = 0  # connections closed after the idle timeout
    lost_partial: int = 0  # connections closed in the middle of a frame
    capture_errors: int = 0
    internal_errors: int = 0  # messages whose check failed (a bug), answered AR
    started: float = field(default_factory=time.monotonic)
    _rate_at: float = 0.0
    _rate_count: int = 0
    rate: float = 0.0  # messages/s since the previous :meth:`sample`

    def outcome(self, code: AckCode) -> None:
        self.messages += 1
        self.codes[code] += 1

    def sample(self) -> float:
        """Messages per second since the last call (the live line calls it)."""
        now = time.monotonic()
        last = self._rate_at or self.started
        if now > last:
            self.rate = (self.messages - self._rate_count) / (now - last)
        self._rate_at, self._rate_count = now, self.messages
        return self.rate

    def line(self) -> str:
        """One line: ``1,204 messages (AA 1,100 · AE 100 · AR 4) · 3 connections open …``."""
        c = self.codes
        text = (
            f"{self.messages:,} messages (AA {c[AckCode.AA]:,}, AE {c[AckCode.AE]:,}, "
            f"AR {c[AckCode.AR]:,}); connections {self.open_connections} open, "
            f"{self.connections:,} in all; {self.rate:,.0f} msgs/s"
        )
        extras = [
            (self.oversized, "oversized"), (self.stray_bytes, "stray bytes skipped"),
            (self.refused, "connections refused (limit)"),
            (self.timeouts, "idle timeouts"), (self.lost_partial, "partial frames lost"),
            (self.capture_errors, "capture write errors"),
            (self.internal_errors, "internal errors"),
        ]
        more = [f"{n:,} {what}" for n, what in extras if n]
        return text + ("; " + ", ".join(more) if more else "")

    def summary(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.rate = self.messages / elapsed
        return f"stopped after {elapsed:,.1f} s: " + self.line().replace("msgs/s", "msgs/s overall")
