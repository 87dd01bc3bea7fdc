"""What `hiecheck serve` was started with: the only thing the app keeps between requests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hiecheck.programs.organization import LoadedOrganization
from hiecheck.web.uploads import UploadLimits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServeSettings:
    """Start-up options (read-only while serving)."""

    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    profiles: Path | None = None
    as_of: date | None = None
    organization: LoadedOrganization | None = None
    limits: UploadLimits = field(default_factory=UploadLimits)
    allow_hosts: tuple[str, ...] = ()
    portfolio: tuple[Path, ...] = ()  # --portfolio: organization files and folders

    def today(self) -> date:
        """The date rules apply on: ``--as-of``, else today (read per request)."""
        return self.as_of or date.today()

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"
