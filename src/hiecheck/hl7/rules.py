"""Every HL7 rule hiecheck reports, in one table: id, severity, summary, explanation, source.

Findings are made from these objects (:meth:`Rule.finding`), so a finding's id and severity always
come from here; the README's rule table and ``hiecheck rules`` are generated from :data:`RULES`.
A ``content.*`` check whose severity a requirement set chooses per element
(``severity = "warning"`` in ``content_groups.toml``) has ``set_by_profile``: the registry holds
the default. Ids are stable and namespaced:

- ``read.*``      how the capture was written (separators, BOM, MLLP, stray lines, batches)
- ``msh.*``       the header: delimiters, version, message type
- ``structure.*`` segment order, groups and cardinality against the version's message structure
- ``segment.*``   unknown, malformed and Z-segments
- ``field.*``     field datatypes, lengths, repetitions and tables from the version's reference data
- ``content.*``   requirement sets from ``profiles/messages/`` (content groups, value sets)
- ``timing.*``    real-time evidence (event time vs message time)
- ``crosscheck.*`` ``--cross-check hl7apy``: where hl7apy STRICT's verdict differs, and why
"""

from __future__ import annotations

from dataclasses import dataclass

from hiecheck.hl7.findings import Finding, Severity
from hiecheck.hl7.location import Location

_ERROR, _WARNING, _INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# Sources, named once.
_CH2 = "HL7 v2.x chapter 2 (Control)"
_DELIMITERS = f"{_CH2}: message delimiters (segment terminator CR, MSH-1, MSH-2)"
_BATCH = f"{_CH2}: batch protocol (FHS, BHS, BTS, FTS)"
_MSH9 = f"{_CH2}: MSH-9 message type (HL7 tables 0076, 0003, 0354)"
_MLLP = "HL7 v2 Minimal Lower Layer Protocol (MLLP): VT (0x0B) … FS (0x1C) CR framing"
_HL7APY = "hl7apy 1.3.5 reference data for MSH-12's version (the checks of its STRICT level)"
_STRUCTURES = "hl7apy 1.3.5 message structures for MSH-12's version (HL7 abstract message syntax)"
_SETS = "the requirement set (`--requirements`, src/hiecheck/profiles/messages/requirements/)"
_TIMING = "src/hiecheck/profiles/messages/timing.toml (seed 003: real-time ADT)"
_READING = "hiecheck's reading of captures (not an HL7 rule)"


@dataclass(frozen=True, slots=True)
class Rule:
    """One rule: what it checks, how much it matters and where it comes from."""

    id: str
    severity: Severity
    summary: str
    explanation: str
    source: str
    set_by_profile: bool = False  # a requirement set may choose another severity per element

    def finding(
        self,
        message: str,
        source: str,
        line: int,
        message_number: int,
        where: Location,
        value: str | None = None,
        group: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        """A finding of this rule. ``message`` names fields and counts, never values (those go
        to ``value``, shown only with ``--show-values``). ``severity`` only for a rule whose
        severity the requirement set chooses."""
        if severity is None:
            severity = self.severity
        elif severity is not self.severity and not self.set_by_profile:
            raise ValueError(f"{self.id} has severity {self.severity}; {severity} given")
        return Finding(self.id, severity, message, source, line, message_number, where, value,
                       group)


def _rule(
    rule_id: str, severity: Severity, summary: str, explanation: str, source: str,
    *, set_by_profile: bool = False,
) -> Rule:
    rule = Rule(rule_id, severity, summary, " ".join(explanation.split()), source, set_by_profile)
    if rule_id in RULES:
        raise ValueError(f"rule {rule_id} registered twice")
    RULES[rule_id] = rule
    return rule


RULES: dict[str, Rule] = {}

# ----------------------------------------------------------------------------------- read.*

READ_LF = _rule(
    "read.lf-separators", _INFO, "segments end with LF instead of CR",
    """HL7 v2 ends every segment with a carriage return. The capture uses line feeds (as text
    editors and some exports write); hiecheck reads them as segment ends. A receiver that follows
    the standard reads the whole message as one segment.""", _DELIMITERS)
READ_CRLF = _rule(
    "read.crlf-separators", _INFO, "segments end with CR LF instead of CR",
    """Segments end with CR LF (a Windows text file). hiecheck reads them as segment ends; a
    receiver that follows the standard sees an LF at the start of every segment.""", _DELIMITERS)
READ_BOM = _rule(
    "read.utf8-bom", _INFO, "the input starts with a UTF-8 byte-order mark (removed)",
    """A byte-order mark before the first MSH is not part of HL7; hiecheck removes it before
    reading. Receivers that do not would not find the MSH segment.""", _READING)
READ_MLLP = _rule(
    "read.mllp-framing", _INFO, "MLLP framing bytes (VT, FS) removed",
    """The capture still holds the MLLP transport framing of each message (VT before it, FS CR
    after it). hiecheck removes the framing bytes; they are not part of the message.""", _MLLP)
READ_BLANK = _rule(
    "read.blank-lines", _INFO, "blank lines between segments removed",
    """Empty lines between segments or messages are not segments; hiecheck skips them. Many
    receivers do too, some end the message there.""", _DELIMITERS)
READ_WHITESPACE = _rule(
    "read.leading-whitespace", _WARNING,
    "whitespace or blank lines before a segment id or before the first MSH",
    """A segment starts with its three-character id. Spaces or tabs before it, or blank lines
    before the first MSH, make receivers misread the segment; hiecheck strips them and reads
    on.""", _DELIMITERS)
READ_NON_UTF8 = _rule(
    "read.non-utf8", _WARNING, "bytes that are not UTF-8 (read as Latin-1)",
    """The line holds bytes that are not valid UTF-8. hiecheck reads that line as Latin-1 so that
    nothing is lost; the character set should be declared in MSH-18 and used consistently.""",
    f"{_CH2}: MSH-18 character set")
READ_STRAY = _rule(
    "read.stray-content", _ERROR, "lines outside any message",
    """Lines before the first MSH, or between batch segments, belong to no message: a receiver
    drops them or rejects the file. The finding names the first such line and how many there
    are, never their content.""", _READING)
READ_BATCH_COUNT = _rule(
    "read.batch-count", _ERROR, "BTS-1 / FTS-1 count differs from the messages / batches found",
    """BTS-1 (batch message count) and FTS-1 (file batch count) must equal the messages of the
    batch and the batches of the file; a different count means messages were lost or added on
    the way.""", _BATCH)
READ_BATCH_UNCLOSED = _rule(
    "read.batch-unclosed", _WARNING, "BHS without BTS",
    """A batch header (BHS) with no batch trailer (BTS) before the next batch or the end of the
    file: the batch may be truncated.""", _BATCH)
READ_NO_MESSAGE = _rule(
    "read.no-message", _ERROR,
    "the input holds no message (and why: empty, binary or UTF-16, no MSH segment) (exit 2)",
    """No line of an input named on the command line starts an HL7 message (MSH): it is empty,
    binary (or UTF-16 text), or holds no MSH segment; the finding says which. `validate` exits 2
    (unreadable input) and `check --messages` stops with one line. A file a folder brought in is
    skipped instead (read.not-hl7).""", _READING)
READ_UNREADABLE = _rule(
    "read.unreadable", _ERROR,
    "the input cannot be opened or read (permission denied, a broken gzip stream, a line or "
    "message past its limit) (exit 2)",
    """The input could not be opened or read to its end: the reason the system gave (permission
    denied, a device error), a broken gzip stream, or a line or message past hiecheck's size
    limits (the messages before it are checked). `validate` exits 2.""", _READING)
READ_NOT_HL7 = _rule(
    "read.not-hl7", _WARNING,
    "a file found in a folder holds no HL7 message or starts with binary content: skipped",
    """A file that a folder or a pattern brought in (not one named on the command line) holds no
    MSH segment, or starts with binary content (NUL bytes: a binary or UTF-16 file). It is skipped
    with this warning; a file named explicitly that holds no message is exit 2
    (read.no-message).""", _READING)
READ_MORE_NOTES = _rule(
    "read.more-notes", _INFO,
    "more than 1,000 notes about a file outside its messages: the rest are counted here",
    """Notes about how a file is written outside its messages (stray lines, blank lines …) are
    listed up to a cap, so that memory stays bounded on a broken capture; the ones past it are
    counted in this one finding.""", _READING)
READ_OTHER = _rule(
    "read.other", _INFO, "something else unusual about how the input was written",
    """A reading note of a kind this version of the report does not name on its own.""",
    _READING)

# ----------------------------------------------------------------------------------- msh.*

MSH_SEPARATOR_MISSING = _rule(
    "msh.field-separator-missing", _ERROR, "MSH has no field separator (MSH-1)",
    """The MSH segment ends after its id: there is no field separator, so no field of the message
    can be read. The default delimiters are assumed for the rest of the checks.""", _DELIMITERS)
MSH_SEPARATOR_INVALID = _rule(
    "msh.field-separator-invalid", _ERROR, "MSH-1 is a letter, digit or space",
    """The character after MSH is the field separator. A letter, digit or space cannot be one
    (HL7 recommends '|').""", _DELIMITERS)
MSH_ENCODING_DUPLICATE = _rule(
    "msh.encoding-characters-duplicate", _ERROR, "MSH-2 repeats a character",
    """The encoding characters (component, repetition, escape, sub-component, and from v2.7
    truncation) must be distinct; hiecheck reads the first occurrence of each.""", _DELIMITERS)
MSH_ENCODING_SHORT = _rule(
    "msh.encoding-characters-short", _ERROR, "MSH-2 has fewer than 4 encoding characters",
    """MSH-2 must hold the component, repetition, escape and sub-component characters (HL7
    recommends ^~\\&); the defaults are used for those missing.""", _DELIMITERS)
MSH_ENCODING_LONG = _rule(
    "msh.encoding-characters-long", _WARNING, "MSH-2 has more than 5 encoding characters",
    """MSH-2 holds at most five characters (the fifth, the truncation character, exists from
    v2.7); the rest is ignored.""", _DELIMITERS)
MSH_ENCODING_INVALID = _rule(
    "msh.encoding-characters-invalid", _ERROR, "an encoding character equals the field separator",
    """No encoding character may be the field separator: fields could not be told from
    components.""", _DELIMITERS)
MSH_VERSION_UNSUPPORTED = _rule(
    "msh.version-unsupported", _ERROR, "MSH-12 is not an HL7 v2 version id",
    """MSH-12 (version id) must name an HL7 v2 version (2.1, 2.5.1 … HL7 table 0104); what it
    holds is not one (1.0, 3, letters). The structure, segment and field checks cannot run; the
    header fields every version requires are still checked, as are reading, content and timing.
    An HL7 v2 version hiecheck has no reference data for is msh.version-not-checked.""",
    f"{_CH2}: MSH-12 version id (HL7 table 0104)")
MSH_VERSION_MISSING = _rule(
    "msh.version-missing", _ERROR, "MSH-12 (version id) is empty",
    """MSH-12 is required in every HL7 v2 version and is empty, so the version whose structure
    and fields to check against is unknown. The header fields the newest version hiecheck knows
    (2.8.2) requires (MSH-7, MSH-9, MSH-10, MSH-11) are still checked, as are reading, content
    and timing; structure, segment and field checks are skipped.""",
    f"{_CH2}: MSH-12 version id (required)")
MSH_VERSION_NOT_CHECKED = _rule(
    "msh.version-not-checked", _WARNING,
    "an HL7 v2 version hiecheck has no reference data for (2.1, 2.9 …): not checked",
    """MSH-12 names an HL7 v2 version (2.x) that hl7apy 1.3.5 has no usable reference data for
    (hiecheck checks 2.2 to 2.8.2): the message is not wrong, it is not checked against its
    version. The header fields the newest known version requires, content and timing are still
    checked. A warning: exit 0 unless other errors (or --fail-on warning).""",
    f"{_CH2}: MSH-12 version id (HL7 table 0104); hl7apy 1.3.5 versions")
MSH_TRUNCATION_BEFORE_27 = _rule(
    "msh.truncation-character-before-2.7", _ERROR,
    "MSH-2 has a fifth (truncation) character in a version before 2.7",
    """The truncation character (the fifth encoding character, HL7 recommends #) exists from
    HL7 v2.7; before it MSH-2 holds exactly four characters (ST of length 4), so a receiver of
    an older version reads the fifth one as part of the encoding characters or rejects the
    message.""",
    f"{_DELIMITERS}; HL7 v2.7 chapter 2.5.4 (truncation character)")

MSH_UNKNOWN_TYPE = _rule(
    "msh.unknown-message-type", _ERROR, "MSH-9 names no message type of the version",
    """MSH-9 (message type) must name a message code and trigger event the version defines (or
    a structure in MSH-9.3): without it the segment order cannot be checked.""", _MSH9)
MSH_TYPE_CASE = _rule(
    "msh.message-type-case", _WARNING, "MSH-9 is written in lower case",
    """HL7 message codes, trigger events and structure ids are upper case (ADT^A04^ADT_A01).
    hiecheck compares them without regard to case, so every check reads the message as its upper
    case type; a receiver that follows the tables may not.""", _MSH9)
MSH_UNKNOWN_STRUCTURE = _rule(
    "msh.unknown-structure", _WARNING, "MSH-9.3 is not a message structure of the version",
    """MSH-9.3 (message structure) names no structure of MSH-12's version; the message is checked
    against the structure the version gives its code and trigger event.""", _MSH9)
MSH_STRUCTURE_MISMATCH = _rule(
    "msh.structure-mismatch", _WARNING, "MSH-9.3 differs from the structure of the event",
    """MSH-9.3 names a valid structure, but not the one the version assigns to MSH-9.1^9.2 (HL7
    table 0354); the message is checked against what MSH-9.3 says.""", _MSH9)
MSH_STRUCTURE_INFERRED = _rule(
    "msh.structure-inferred", _INFO, "MSH-9.3 is empty; the structure is inferred",
    """MSH-9.3 (message structure) is empty, as older versions allow; the structure comes from
    the version's event map (HL7 table 0354).""", _MSH9)

# ----------------------------------------------------------------------------------- structure.*

STRUCTURE_UNEXPECTED = _rule(
    "structure.unexpected-segment", _ERROR, "a segment out of order or not part of the structure",
    """The segment is not allowed where it stands in the message structure (out of order), or
    the structure has no such segment at all.""", _STRUCTURES)
STRUCTURE_TOO_MANY = _rule(
    "structure.too-many", _ERROR, "a segment or group repeats more often than allowed",
    """The structure allows the segment or group a given number of times (often once); this
    occurrence is one too many.""", _STRUCTURES)
STRUCTURE_MISSING = _rule(
    "structure.missing-required-segment", _ERROR, "a required segment or group is missing",
    """The structure requires the segment (or a group starting with one of the named segments)
    at this point, and the message does not have it.""", _STRUCTURES)
STRUCTURE_NOT_CHECKED = _rule(
    "structure.not-checked", _WARNING, "the event has no structure in the version",
    """The version withdrew the event (no structure in hl7apy's data): the segment order is not
    checked.""", _STRUCTURES)

# ----------------------------------------------------------------------------------- segment.*

SEGMENT_INVALID_ID = _rule(
    "segment.invalid-id", _ERROR, "a segment id is not 3 characters [A-Z][A-Z0-9]{2}",
    """Every segment starts with a three-character id of capitals and digits. A line that does
    not (lower case, too short or long, no field separator) is named by its line number; what it
    holds is shown only with --show-values.""", _DELIMITERS)
SEGMENT_UNKNOWN = _rule(
    "segment.unknown", _ERROR, "a segment id the version does not define",
    """The id is well formed but MSH-12's version defines no such segment (and it is not a
    Z-segment).""", _HL7APY)
SEGMENT_Z = _rule(
    "segment.z-segment", _INFO, "a Z-segment (site-defined; kept, not checked)",
    """Segments whose id starts with Z are defined by the sender's site. They may appear anywhere,
    are kept out of the order check and are not checked against the standard.""",
    f"{_CH2}: Z-segments")

# ----------------------------------------------------------------------------------- field.*

FIELD_REQUIRED = _rule(
    "field.required-missing", _ERROR, "a field the version requires is empty",
    """The version's segment definition makes the field required (hl7apy cardinality 1..n); it
    is empty or holds only separators. OBX-2 and OBX-4 are conditional in the standard and not
    reported.""", _HL7APY)
FIELD_REPETITIONS = _rule(
    "field.too-many-repetitions", _ERROR, "a field that may not repeat has ~ repetitions",
    """The field is not repeatable in the version but holds more than one repetition.""",
    _HL7APY)
FIELD_FORMAT = _rule(
    "field.invalid-format", _ERROR,
    "an NM, SI, DT, TM, DTM or TS value (field, component or sub-component) is malformed",
    """The value does not have its datatype's format: NM a number, SI a non-negative whole
    number, DT YYYY[MM[DD]], TM HH[MM[SS[.S…]]][+/-ZZZZ], DTM and TS
    YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]. The HL7 null "" is valid.""",
    f"{_HL7APY}; HL7 v2.x chapter 2A (data types)")
FIELD_TOO_LONG = _rule(
    "field.too-long", _WARNING,
    "a field, component or sub-component is longer than hl7apy allows for its type",
    """Longer than the maximum length hl7apy's STRICT level enforces for the datatype (IS 20, ST
    199 …); receivers may truncate it.""", _HL7APY)
FIELD_NOT_IN_TABLE = _rule(
    "field.not-in-table", _ERROR,
    "an ID value (field or component) is not in its HL7-defined table",
    """A field or primitive component of datatype ID holds a code its HL7-defined table does not
    list for MSH-12's version (PV1-2 is IS, PID-24 ID with table 0136, CX.5 ID with table 0203).
    HL7 defines these tables: a receiver cannot read another code. Tables hl7apy ships empty,
    and versions before 2.3.1 (no tables in hl7apy), are not checked.""",
    f"{_HL7APY} (hl7apy.v2_x.tables); HL7 v2.x chapter 2A (ID: coded value for HL7 tables)")
FIELD_NOT_IN_USER_TABLE = _rule(
    "field.not-in-user-table", _WARNING,
    "an IS value (field or component) is not among HL7's suggested values of its table",
    """A field or primitive component of datatype IS holds a code that is not among the values
    HL7 suggests for its user-defined table (PV1-2 patient class, table 0004: B, C, E, I, N, O,
    P, R, U). Sites may define their own values, hence a warning; a requirement set makes a table
    strict (an error) with ``strict_tables``. Tables hl7apy ships empty are not checked, nor is
    table 0396 (coding system), which HL7 maintains outside the versions.""",
    f"{_HL7APY} (hl7apy.v2_x.tables); HL7 v2.x chapter 2A (IS: coded value for user-defined "
    "tables)", set_by_profile=True)
FIELD_NOT_IN_VERSION = _rule(
    "field.not-in-version", _WARNING,
    "a valued field past the segment's definition, or one the version withdrew or reserved",
    """The field is valued but the version defines no such field in the segment, or withdrew or
    reserved it (PID-12 from 2.7, PR1-2 in 2.6).""", _HL7APY)
FIELD_COMPONENT_NOT_IN_VERSION = _rule(
    "field.component-not-in-version", _WARNING,
    "a valued component past what the field's datatype defines",
    """A component past those the field's datatype has in MSH-12's version (MSH-9.3 in 2.3,
    where CM_MSG has 2 components; any ^ part of a primitive field such as IS or ST), or a
    withdrawn component (XTN.1 in 2.6, XCN.7 from 2.7); checked per repetition. HL7 says
    receivers ignore extra components, hence a warning.""", _HL7APY)
FIELD_SUBCOMPONENT_NOT_IN_VERSION = _rule(
    "field.subcomponent-not-in-version", _WARNING,
    "a valued sub-component past what the component's datatype defines",
    """A sub-component past those the component's datatype has (PID-3.4.4: HD has 3; any & part
    of a primitive component).""", _HL7APY)
FIELD_CONTROL_CHARACTER = _rule(
    "field.control-character", _ERROR, "a field holds a control character (NUL, ESC …)",
    """HL7 text holds no control characters: separators and escape sequences (\\.br\\, \\X0D\\)
    stand for them. A NUL or other control byte inside a field usually means a corrupted or
    padded export; receivers cut the value there. The character is never counted as a value (a
    field holding only NUL is empty). TAB is left alone (senders use it in text).""",
    f"{_CH2}: escape sequences for special characters")

# ----------------------------------------------------------------------------------- content.*

CONTENT_REQUIRED = _rule(
    "content.required-missing", _ERROR,
    "an R element (or the anchor segment of an R group) is missing",
    """The requirement set requires the element (usage R) and it is not valued, or the segment
    that anchors a required content group is absent.""", _SETS)
CONTENT_RE_MISSING = _rule(
    "content.re-missing", _WARNING, "an RE element of a present group is missing",
    """RE ("required if available"): the sender must value it when it has the data. Missing in a
    group that is present; it does not make the group incomplete.""", _SETS)
CONTENT_NOT_ALLOWED = _rule(
    "content.not-allowed", _ERROR, "an X element is valued",
    """The requirement set forbids the element (usage X) and it is valued.""", _SETS)
CONTENT_CARDINALITY = _rule(
    "content.cardinality", _ERROR, "too few / too many repetitions",
    """The element's repetitions are outside the cardinality the requirement set gives it
    (``1..*``, ``0..1`` …).""", _SETS)
CONTENT_VALUE_SET = _rule(
    "content.value-set", _ERROR, "no listed component is in its value set",
    """None of the element's listed components holds a code of its value set
    (value_sets.toml): e.g. DG1-3 not coded in ICD-10-CM. The requirement set chooses the
    severity per element (default error).""", _SETS, set_by_profile=True)
CONTENT_UNITS = _rule(
    "content.units", _ERROR, "OBX-6 neither UCUM-coded nor a known UCUM unit",
    """A numeric observation's units are neither coded in UCUM (OBX-6.3) nor a known UCUM unit
    (OBX-6.1). The requirement set chooses the severity per element (the bundled sets: warning;
    default error).""", _SETS, set_by_profile=True)
CONTENT_NOT_NUMERIC = _rule(
    "content.not-numeric", _ERROR, "an NM/SN value is not a number",
    """The element must be numeric: an NM decimal or an SN structured number
    (comparator^number^separator^number). The requirement set chooses the severity per element
    (default error).""", _SETS, set_by_profile=True)
CONTENT_NOT_COVERED = _rule(
    "content.not-covered", _INFO, "the requirement set does not cover this message type",
    """The requirement set lists the message types it checks (MSH-9.1); this message is of
    another type, so no content check ran and every group is not-applicable.""", _SETS)

# ----------------------------------------------------------------------------------- timing.*

TIMING_NEGATIVE = _rule(
    "timing.negative", _WARNING, "event time after the message time",
    """The event time (EVN-2, EVN-6, OBR-22) is later than MSH-7 (the message's creation): one of
    the clocks or fields is wrong. Such a latency never proves real-time sending.""", _TIMING)
TIMING_IMPRECISE = _rule(
    "timing.imprecise", _INFO, "a time is less precise than minutes: no latency computed",
    """The event time or MSH-7 is valid but gives less than minutes (YYYYMMDD, YYYYMMDDHH), so
    the delay between them cannot be measured.""", _TIMING)
TIMING_UNPARSEABLE = _rule(
    "timing.unparseable", _WARNING, "an event or message time is not an HL7 date/time",
    """The event time or MSH-7 is not an HL7 DTM (YYYY[MM[DD[HH[MM[SS[.S…]]]]]][+/-ZZZZ]): no
    latency is computed.""", f"{_TIMING}; HL7 v2.x chapter 2A (DTM)")
TIMING_NO_EVENT_TIME = _rule(
    "timing.no-event-time", _INFO, "no event-time field valued",
    """None of the message type's event-time fields (ADT: EVN-2, then EVN-6; ORU: OBR-22) is
    valued, so the delay from the event cannot be measured.""", _TIMING)


# ----------------------------------------------------------------------------------- crosscheck.*

_CROSS = ("hl7apy 1.3.5 STRICT (`validate --cross-check hl7apy`); the named differences of "
          "src/hiecheck/hl7/crosscheck.py, from tests/hl7/test_differential*.py")
CROSSCHECK_EXPLAINED = _rule(
    "crosscheck.explained", _INFO,
    "hl7apy STRICT's verdict differs from hiecheck's, for a known, named reason",
    """With --cross-check hl7apy every message is also parsed and validated by hl7apy STRICT.
    hiecheck's verdict here counts only its errors of the kinds hl7apy checks (msh, structure,
    segment, field). When the two differ and every reason is a known difference, this finding
    names them: tables-not-checked, order-not-checked, unknown-segment-dropped,
    truncation-character-not-versioned, control-characters-not-checked,
    version-without-reference-data, length-is-a-warning, extra-components-are-warnings,
    unvalued-extra-part, conditional-field, tn-format-not-checked, nested-repeat-not-reopened,
    z-segment-breaks-grouping, structure-not-inferred (README: "Cross-check with hl7apy").""",
    _CROSS)
CROSSCHECK_UNEXPLAINED = _rule(
    "crosscheck.unexplained", _WARNING,
    "hl7apy STRICT's verdict differs from hiecheck's and no known difference explains it",
    """With --cross-check hl7apy: hl7apy STRICT accepts a message hiecheck rejects (or the
    reverse) and none of the named differences accounts for it. The finding names hl7apy's
    exception class only (its text may quote values). Worth a look: report it with the message
    if hiecheck is wrong.""", _CROSS)


def rule(rule_id: str) -> Rule:
    """The registered rule ``rule_id`` (KeyError when there is none)."""
    return RULES[rule_id]


def rules_matching(prefix: str) -> list[Rule]:
    """Rules whose id is ``prefix`` or starts with ``prefix.`` (``field`` → every field rule)."""
    head = prefix.rstrip(".") + "."
    return [r for r in RULES.values() if r.id == prefix or r.id.startswith(head)]
