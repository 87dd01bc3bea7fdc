"""Run a measure's SQL in an embedded, in-process DuckDB: value sets and parameters in, the
per-member ``result`` table and per-provider counts out. No row is looped over in Python."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb

from hiecheck.errors import InputError
from hiecheck.measures.models import FeedCheckResult, Period, ProviderResult, StatusCount, rate
from hiecheck.measures.profile import LoadedMeasure
from hiecheck.measures.schema import create_schema, params_ddl

# Other engineers' processes share the machine: stay within two threads and well under 1 GB.
THREADS_ENV = "HIECHECK_MEASURE_THREADS"
MEMORY_LIMIT = "640MB"

ExtraCode = tuple[str, str, str]  # value set, system, code


@contextmanager
def session() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with the empty measure tables; closed afterwards. What does not fit
    in memory spills to a private temporary folder (removed afterwards), never the user's."""
    with tempfile.TemporaryDirectory(prefix="hiecheck-duckdb-") as spill:
        con = duckdb.connect(config={
            "threads": int(os.environ.get(THREADS_ENV, "2")),
            "memory_limit": MEMORY_LIMIT,
            "preserve_insertion_order": True,
            "temp_directory": spill,
        })
        try:
            create_schema(con)
            yield con
        except duckdb.OutOfMemoryException:
            raise InputError("inputs", "too large for the measure's memory limit "
                             f"({MEMORY_LIMIT}, spilling to disk included)",
                             expected="smaller files, or one period at a time") from None
        finally:
            con.close()


def load_value_sets(con: duckdb.DuckDBPyConnection, measure: LoadedMeasure,
                    extra: Sequence[ExtraCode] = ()) -> None:
    """Fill vs_code, vs_name, vs_prefix and vs_days with the value sets the measure uses."""
    codes: set[tuple[str, str, str]] = set()
    names: set[tuple[str, str, str]] = set()
    prefixes: set[tuple[str, str, str]] = set()
    days: list[tuple[str, int]] = []
    for vs_id in measure.profile.value_sets:
        vs = measure.value_sets.get(vs_id)
        assert vs is not None  # checked when the profile was loaded
        codes |= {(vs.id, system, code) for system, code in vs.codes()}
        names |= {(vs.id, label, pattern) for label, pattern in vs.patterns()}
        prefixes |= {(vs.id, "ICD10CM", prefix) for prefix in vs.icd10cm_prefix}
        if vs.days_covered is not None:
            days.append((vs.id, vs.days_covered))
    codes |= set(extra)
    for table, rows in (("vs_code", codes), ("vs_name", names), ("vs_prefix", prefixes)):
        if rows:
            con.executemany(f"INSERT INTO {table} VALUES (?, ?, ?)", sorted(rows))
    if days:
        con.executemany("INSERT INTO vs_days VALUES (?, ?)", days)


def set_params(con: duckdb.DuckDBPyConnection, measure: LoadedMeasure, period: Period) -> None:
    parameters = measure.profile.parameters
    con.execute(params_ddl(parameters))
    values = [period.start, period.end, *parameters.values()]
    con.execute(f"INSERT INTO params VALUES ({', '.join('?' * len(values))})", values)


def _sql_error(measure: LoadedMeasure, sql_file: str, exc: duckdb.Error) -> InputError:
    first = str(exc).strip().splitlines()[0]
    return InputError(measure.sql_source(sql_file), f"measure query failed: {first}")


def run_measure(con: duckdb.DuckDBPyConnection, measure: LoadedMeasure,
                period: Period) -> tuple[list[ProviderResult], list[StatusCount]]:
    """Run the measure query into the ``result`` table; per-provider and per-status counts."""
    profile = measure.profile
    set_params(con, measure, period)
    try:
        con.execute(f"CREATE TABLE result AS {measure.sql}")
    except duckdb.Error as exc:
        raise _sql_error(measure, profile.sql, exc) from None
    con.execute("CREATE TABLE status_population (status VARCHAR, population VARCHAR)")
    con.executemany("INSERT INTO status_population VALUES (?, ?)",
                    [(s.id, s.population) for s in profile.statuses])
    unknown = con.execute(
        "SELECT DISTINCT r.status FROM result AS r ANTI JOIN status_population AS s "
        "ON s.status = r.status LIMIT 1").fetchone()
    if unknown is not None:
        raise InputError(measure.source, f"the query gave status {unknown[0]!r}, "
                         "which the profile does not declare", location="statuses")
    providers = [
        ProviderResult(provider_id=str(p), members=int(m), denominator=int(d), numerator=int(n),
                       rate_percent=rate(int(n), int(d)))
        for p, m, d, n in con.execute(
            "SELECT provider_id, count(*), "
            "count(*) FILTER (WHERE s.population IN ('numerator', 'gap')), "
            "count(*) FILTER (WHERE s.population = 'numerator') "
            "FROM result JOIN status_population AS s USING (status) "
            "GROUP BY provider_id ORDER BY provider_id").fetchall()
    ]
    counted = dict(con.execute("SELECT status, count(*) FROM result GROUP BY status").fetchall())
    statuses = [
        StatusCount(status=s.id, population=s.population, text=s.text,
                    members=int(counted.get(s.id, 0)))
        for s in profile.statuses
    ]
    return providers, statuses


def run_feed_checks(con: duckdb.DuckDBPyConnection,
                    measure: LoadedMeasure) -> list[FeedCheckResult]:
    """The profile's feed checks, counted by its feed SQL (params must be set)."""
    if measure.feed_sql is None:
        return []
    try:
        found = dict(con.execute(measure.feed_sql).fetchall())
    except duckdb.Error as exc:
        raise _sql_error(measure, measure.profile.feed_sql or "", exc) from None
    return [FeedCheckResult(id=c.id, text=c.text, count=int(found.get(c.id, 0)), unit=c.unit)
            for c in measure.profile.feed_checks]
