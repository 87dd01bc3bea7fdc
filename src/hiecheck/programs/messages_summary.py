"""Output models of the message evidence: the ``messages`` block of the `check` JSON report.

They live on the programs side of the evidence seam (next to ``evidence_protocol``) because the
report embeds them; the evidence step fills them in.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LatencySummary(_Out):
    """Delay between event and message creation for one message type."""

    messages: int = Field(description="messages of this type")
    measured: int = Field(description="messages whose latency could be measured")
    no_event_time: int = Field(description="messages without a valued event-time field")
    unparseable: int = Field(
        default=0, description="messages whose event time or MSH-7 is not an HL7 date/time"
    )
    imprecise: int = Field(
        default=0, description="messages whose event time or MSH-7 is less precise than minutes"
    )
    event_after_message: int = Field(
        default=0,
        description="measured messages whose event time is after MSH-7 by more than the clock "
        "skew the profile allows (never real-time proof)",
    )
    median_seconds: float | None = None
    max_seconds: float | None = None
    within_limit: int = Field(
        description="measured messages within the real-time limit (and not after MSH-7)"
    )
    share_within: float | None = Field(default=None, description="within_limit / measured")
    limit_minutes: float
    realtime_shown: bool


class FindingCount(_Out):
    """How often a validation rule fired (errors and warnings only)."""

    rule: str
    severity: str
    count: int


class GroupCount(_Out):
    """How many messages of one type carry a content group."""

    message_type: str
    group: str
    applicable: int = Field(description="messages of this type the group applies to")
    present: int = Field(description="messages with the group's segment(s)")
    proven: int = Field(description="messages carrying the group complete and correctly coded")


class SkippedFile(_Out):
    """A file found in a messages folder that holds no HL7 message (skipped, not an error)."""

    file: str = Field(description="the file, relative to the folder given")
    reason: str = Field(description="why it is not HL7 (no MSH segment, binary content, empty)")


class MessagesSummary(_Out):
    """What hiecheck read: files, messages per type, latency, content and finding counts."""

    paths: list[str] = Field(description="the --messages paths (or the org file's folder)")
    files: list[str]
    skipped: list[SkippedFile] = Field(
        default_factory=list,
        description="files found in the folders given that are not HL7 and were skipped",
    )
    messages: int
    by_type: dict[str, int] = Field(description="messages per MSH-9.1 type")
    latency: dict[str, LatencySummary]
    content: list[GroupCount]
    findings: list[FindingCount] = Field(
        description="error and warning findings by rule; run `hiecheck validate` for details"
    )
    requirement_set: str
    profile_version: str
    realtime_reading: str
