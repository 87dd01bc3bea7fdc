"""Results rendered where they are checked (``validate_rendered``, what ``validate --jobs N -f
json`` uses): the same document and the same counts as rendering every result here."""

from __future__ import annotations

import io
from types import SimpleNamespace

import pytest

from hiecheck.hl7.findings import Severity
from hiecheck.hl7.report import JsonMessageText, JsonStreamWriter, message_json
from hiecheck.hl7.tally import Tally
from hiecheck.hl7.validate import (
    MessageResult,
    RenderedMessages,
    render_results,
    validate_paths,
    validate_rendered,
)


def _paths(h: SimpleNamespace, write) -> list[str]:
    """Files with errors, warnings and clean messages, a broken line, one with no message."""
    many = "".join(
        h.clean_adt(control=f"C{i}").replace("DOE^JANE", "" if i % 3 else "DOE^JANE")
        .replace("|P|2.5.1", "|P|2.3" if i % 5 == 0 else "|P|2.5.1")
        for i in range(60)
    )
    return [write(many), write(b"junk\r" + many.encode()), write(b""), write(many)]


def _document(events: object) -> tuple[str, Tally]:
    out = io.StringIO()
    writer = JsonStreamWriter(out, "hie-adt", False)
    writer.start()
    for event in events:  # type: ignore[attr-defined]
        writer.observe(event)
    writer.finish()
    return out.getvalue(), writer.tally


@pytest.mark.parametrize("queued", [0, 10_000])
@pytest.mark.parametrize("whole_files", [True, False])
def test_rendered_where_checked_writes_the_same_document(
    h: SimpleNamespace, write, monkeypatch: pytest.MonkeyPatch, queued: int, whole_files: bool
) -> None:
    """Every file and batch checked here (queued 0) or by the workers (10,000), whole files or
    batches read here: the JSON text, totals, rule counts and first severities are those of one
    process rendering each result."""
    from hiecheck.hl7 import validate as pipeline

    paths = _paths(h, write)
    checks = h.checks_for("hie-adt")
    one, tally_one = _document(validate_paths(paths, checks))
    monkeypatch.setattr(pipeline, "QUEUED_PER_WORKER", queued)
    if not whole_files:
        monkeypatch.setattr(pipeline, "WHOLE_FILE_BYTES", 0)
        monkeypatch.setattr(pipeline, "BATCH_SIZE", 7)
    events = list(validate_rendered(paths, checks, JsonMessageText(False), jobs=2))
    assert not [e for e in events if isinstance(e, MessageResult)]
    assert sum(e.messages for e in events if isinstance(e, RenderedMessages)) == 180
    two, tally_two = _document(events)
    assert two == one
    assert tally_two.final_totals() == tally_one.final_totals()
    assert tally_two.first_severity == tally_one.first_severity
    assert tally_two.findings == tally_one.findings
    assert tally_two.exit_code == tally_one.exit_code == 2  # the empty file


def test_one_job_gives_the_plain_results(h: SimpleNamespace, write) -> None:
    paths = _paths(h, write)
    checks = h.checks_for("hie-adt")
    events = list(validate_rendered(paths, checks, JsonMessageText(False), jobs=1))
    assert events == list(validate_paths(paths, checks))


def test_render_results_counts_what_a_tally_counts(h: SimpleNamespace, write) -> None:
    paths = _paths(h, write)[:1]
    results = [e for e in validate_paths(paths, h.checks_for("hie-adt"))
               if isinstance(e, MessageResult)]
    render = JsonMessageText(False)
    rendered = render_results(results, render)
    assert rendered.messages == len(results) == 60
    assert rendered.with_errors == sum(r.has_errors for r in results) == 40
    expected: dict[tuple[str, Severity], int] = {}
    for r in results:
        for f in r.findings:
            expected[(f.rule, f.severity)] = expected.get((f.rule, f.severity), 0) + 1
    assert [((rule, sev), n) for rule, sev, n in rendered.counts] == list(expected.items())
    assert rendered.text == render.separator.join(
        message_json(r, False, " " * 8) for r in results)


def test_a_tally_by_type_refuses_rendered_messages() -> None:
    with pytest.raises(ValueError, match="needs the results"):
        Tally(by_type=True).observe(RenderedMessages("x", 1, 0, (), "{}"))


def test_the_renderer_pickles_its_settings_only() -> None:
    import pickle

    render = JsonMessageText(True)
    render.pieces.heads[("r", Severity.ERROR, "m", "s", "p")] = "kept"
    back = pickle.loads(pickle.dumps(render))
    assert back.show_values is True and not back.pieces.heads


class _Pool:
    """Stands in for the executor: records what is submitted, runs nothing."""

    def __init__(self) -> None:
        self.submitted: list[object] = []

    def submit(self, fn: object, *args: object) -> object:
        self.submitted.append(args)
        return _Never()


class _Never:
    def done(self) -> bool:
        return False


def test_the_first_batch_is_checked_here_then_the_workers_get_work(
    h: SimpleNamespace, write
) -> None:
    """The workers are forked at the first submit: checking the first batch here first lets
    them start with what it compiled (the versions and segments of the capture)."""
    from hiecheck.hl7 import validate as pipeline
    from hiecheck.hl7.reader import RawMessage

    checks = h.checks_for("hie-adt")
    raws = [p for kind, p in pipeline._read_items(pipeline._sources([write(h.clean_adt())]),
                                                   pipeline._ignore) if kind == "raw"]
    assert raws and isinstance(raws[0], RawMessage)
    pool = _Pool()
    work = pipeline._Scheduler(pool, checks, 2, None)  # type: ignore[arg-type]
    work.batch(raws)
    assert not pool.submitted and isinstance(work.pending[0], list)
    assert checks.versions.get("2.5.1") is not None
    assert checks.versions.get("2.5.1").segments  # compiled before any worker exists
    work.batch(raws)
    assert len(pool.submitted) == 1


def test_the_streaming_collector_is_put_back_as_it_was() -> None:
    import gc

    from hiecheck.hl7.validate import YOUNG_COLLECTION_THRESHOLD, streaming_collector

    before = gc.get_threshold()
    with streaming_collector():
        assert gc.get_threshold()[0] == YOUNG_COLLECTION_THRESHOLD
        assert gc.get_threshold()[1:] == before[1:]
        assert gc.get_freeze_count() > 0  # what existed before is out of the collector's reach
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_streaming_collector_leaves_what_the_caller_froze_frozen() -> None:
    import gc

    from hiecheck.hl7.validate import streaming_collector

    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with streaming_collector():
            pass
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
