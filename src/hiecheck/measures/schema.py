"""The tables measure SQL reads: input columns users give, the typed tables built from them, the
tables extracted from HL7 messages and the value-set tables. This is the contract between the
input readers, the engine and the SQL kept in ``profiles/measures/``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import duckdb

InputTable = Literal["members", "fills", "labs", "otp"]
ColumnKind = Literal[
    "member", "ident", "date", "days", "loinc", "code", "ndc", "digits", "text", "ignored"
]

# What a cell of each kind must look like, for the one-line errors.
EXPECTED: dict[ColumnKind, str] = {
    "member": "a member identifier",
    "ident": "letters, digits, '_', '-', '.'",
    "date": "a date YYYY-MM-DD",
    "days": "a whole number of days, 1 or more",
    "loinc": "a LOINC code such as 4548-4",
    "code": "a 5-character CPT or HCPCS code such as 83036",
    "ndc": "an NDC of 10 or 11 digits (hyphens allowed)",
    "digits": "an RxNorm id (digits)",
    "text": "text",
    "ignored": "anything (the column is accepted and not read)",
}
SQL_TYPE: dict[ColumnKind, str] = {
    "member": "VARCHAR", "ident": "VARCHAR", "date": "DATE", "days": "INTEGER",
    "loinc": "VARCHAR", "code": "VARCHAR", "ndc": "VARCHAR", "digits": "VARCHAR", "text": "VARCHAR",
    "ignored": "VARCHAR",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One input column: its name, what its cells hold, whether the file must have it."""

    name: str
    kind: ColumnKind
    required: bool
    description: str


@dataclass(frozen=True, slots=True)
class TableSpec:
    """An input file's columns; ``one_of``: a row must value at least one of these columns."""

    name: InputTable
    columns: tuple[Column, ...]
    one_of: tuple[str, ...] = ()

    def column(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.name == name), None)

    @property
    def loaded(self) -> tuple[Column, ...]:
        """The columns kept in the typed table."""
        return tuple(c for c in self.columns if c.kind != "ignored")


_MEMBER = Column("member_id", "member", True, "member identifier (kept pseudonymous in outputs)")
TABLES: dict[InputTable, TableSpec] = {
    "members": TableSpec("members", (
        _MEMBER,
        Column("provider_id", "ident", True, "organization the member is assigned to"),
        Column("assigned_from", "date", False, "first day of the assignment (blank: open)"),
        Column("assigned_to", "date", False, "last day of the assignment (blank: open)"),
        Column("birth_date", "date", False, "date of birth (OHH: adults only when given)"),
    )),
    "fills": TableSpec("fills", (
        _MEMBER,
        Column("fill_date", "date", True, "date the prescription was filled"),
        Column("days_supply", "days", False, "days supplied (required by `measure ohh`)"),
        Column("ndc", "ndc", False, "National Drug Code"),
        Column("rxnorm", "digits", False, "RxNorm id of the drug's ingredient"),
        Column("drug_name", "text", False, "drug name as billed, e.g. 'risperidone 2 mg tablet'"),
        Column("claim_id", "ignored", False, "claim identifier (accepted, not used)"),
    ), one_of=("ndc", "rxnorm", "drug_name")),
    "labs": TableSpec("labs", (
        _MEMBER,
        Column("service_date", "date", True, "date of the test"),
        Column("loinc", "loinc", False, "LOINC code of the test"),
        Column("cpt", "code", False, "CPT code of the lab claim"),
        Column("claim_id", "ignored", False, "claim identifier (accepted, not used)"),
    ), one_of=("loinc", "cpt")),
    "otp": TableSpec("otp", (
        _MEMBER,
        Column("service_date", "date", True, "date of the opioid treatment program service"),
        Column("hcpcs", "code", False, "HCPCS code (H0020, G2067, G2078, J2315 ...)"),
        Column("days_covered", "days", False, "days of medication the claim covers"),
    )),
}

# Every typed input table is stored as ``<name>_rows`` with the file it came from and the row;
# the view ``<name>`` adds ``ref``, the printable place ("fills.csv:row 12"), computed only for
# the rows a query shows (building it for every row of a million costs more than the measure).
HL7_DDL = (
    "CREATE TABLE hl7_messages (msg_id INTEGER, facility VARCHAR, patient_key VARCHAR, "
    "birth_date DATE, patient_class VARCHAR, msg_date DATE, ref VARCHAR)",
    "CREATE TABLE hl7_dx (msg_id INTEGER, code VARCHAR, dx_date DATE, ref VARCHAR)",
    "CREATE TABLE hl7_obs (msg_id INTEGER, loinc VARCHAR, value_text VARCHAR, obs_date DATE, "
    "status VARCHAR, ref VARCHAR)",
)
VALUE_SET_DDL = (
    "CREATE TABLE vs_code (value_set VARCHAR, system VARCHAR, code VARCHAR)",
    "CREATE TABLE vs_name (value_set VARCHAR, label VARCHAR, pattern VARCHAR)",
    "CREATE TABLE vs_prefix (value_set VARCHAR, system VARCHAR, prefix VARCHAR)",
    "CREATE TABLE vs_days (value_set VARCHAR, days_covered INTEGER)",
)
# Columns every measure query returns; the others are ref_* (where in the input: always shown),
# value_* (dates, drugs, readings: only with --show-values) or plain (counts, value-set names).
RESULT_COLUMNS = ("provider_id", "member_id", "member_ref", "status")
PERIOD_PARAMETERS = ("period_start", "period_end")


def table_ddl(spec: TableSpec) -> tuple[str, str]:
    """CREATE TABLE for the typed rows of an input file, and CREATE VIEW adding ``ref``."""
    cols = ", ".join(f"{c.name} {SQL_TYPE[c.kind]}" for c in spec.loaded)
    extra = ", source VARCHAR, ref_text VARCHAR" if spec.name == "labs" else ""
    table = f"CREATE TABLE {spec.name}_rows ({cols}, file VARCHAR, row_no INTEGER{extra})"
    ref = "coalesce(ref_text, file || ':row ' || row_no)" if spec.name == "labs" else (
        "file || ':row ' || row_no")
    view = f"CREATE VIEW {spec.name} AS SELECT *, {ref} AS ref FROM {spec.name}_rows"
    return table, view


def create_schema(con: duckdb.DuckDBPyConnection) -> None:
    """The empty tables measure SQL reads (inputs are inserted into them afterwards)."""
    for spec in TABLES.values():
        for ddl in table_ddl(spec):
            con.execute(ddl)
    for ddl in (*HL7_DDL, *VALUE_SET_DDL):
        con.execute(ddl)


def params_ddl(parameters: dict[str, int]) -> str:
    """CREATE TABLE for the one-row ``params`` table: the period and the profile's parameters."""
    cols = ", ".join(
        [f"{name} DATE" for name in PERIOD_PARAMETERS] + [f"{k} INTEGER" for k in parameters]
    )
    return f"CREATE TABLE params ({cols})"


def dry_run(sql: str, parameters: dict[str, int]) -> list[str]:
    """Bind ``sql`` against empty tables; returns its column names (raises duckdb.Error)."""
    con = duckdb.connect()
    try:
        create_schema(con)
        con.execute(params_ddl(parameters))
        relation = con.sql(sql)
        return [str(c) for c in relation.columns]
    finally:
        con.close()
