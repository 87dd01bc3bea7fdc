"""The spool: workers leave the report text they rendered in files of their own, the reading
process takes it back in order; nothing is left on disk, and a worker that cannot write sends
its text in memory, with the same document."""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest

from hiecheck.errors import InputError
from hiecheck.hl7 import spool as spooling
from hiecheck.hl7.report import JsonMessageText
from hiecheck.hl7.spool import Spool, SpoolWriter, open_spool
from hiecheck.hl7.validate import RenderedMessages, validate_paths, validate_rendered
from tests.hl7.test_rendered import _document


def test_texts_come_back_as_written_and_the_directory_goes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Texts (non-ASCII and a lone surrogate included) come back exactly, across a new file
    each time the current one passes the limit; the reading process unlinks each file when it
    opens it, and closing removes the directory."""
    monkeypatch.setattr(spooling, "SPOOL_FILE_BYTES", 10)
    spool = Spool()
    assert oct(os.stat(spool.directory).st_mode & 0o777) == "0o700"
    writer = SpoolWriter(spool.directory)
    texts = ["first text", "Zoë ✓", "\udcff lone", "", "x" * 5000, "last"]
    pieces = [writer.put(t) for t in texts]
    assert all(p is not None for p in pieces)
    assert len({p.path for p in pieces if p is not None}) > 1  # rotated
    files = sorted(os.listdir(spool.directory))
    assert all(oct(os.stat(Path(spool.directory, f)).st_mode & 0o777) == "0o600" for f in files)
    back = [spool.take(p) for p in pieces if p is not None]
    assert back == texts
    assert os.listdir(spool.directory) == []  # each unlinked as it was opened
    assert len(spool.open_files) == 1  # older files closed as newer ones were met
    spool.close()
    assert not os.path.exists(spool.directory)


def test_a_writer_that_cannot_write_says_so(tmp_path: Path) -> None:
    writer = SpoolWriter(str(tmp_path / "no such directory"))
    assert writer.put("text") is None
    assert writer.put("more") is None  # and stays in memory from then on


def test_a_text_that_vanished_is_one_clear_error() -> None:
    spool = Spool()
    writer = SpoolWriter(spool.directory)
    piece = writer.put("text")
    assert piece is not None
    os.unlink(piece.path)
    with pytest.raises(InputError, match="could not be read back"):
        spool.take(piece)
    spool.close()


def test_no_temporary_directory_means_no_spool(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(**_: object) -> str:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(spooling.tempfile, "mkdtemp", refuse)
    assert open_spool() is None


def _paths(h: SimpleNamespace, write) -> list[str]:
    many = "".join(
        h.clean_adt(control=f"C{i}").replace("DOE^JANE", "" if i % 3 else "DOE^JANE")
        for i in range(90)
    )
    return [write(many), write(b"junk\r" + many.encode())]


@pytest.mark.parametrize("spooled", [True, False])
def test_workers_spool_or_send_in_memory_the_same_document(
    h: SimpleNamespace, write, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spooled: bool,
) -> None:
    """Batches checked by two workers, their texts spooled through many small files, or sent in
    memory when ``$TMPDIR`` takes no directory: the document one process writes, and nothing
    left in ``$TMPDIR``."""
    from hiecheck.hl7 import validate as pipeline

    paths = _paths(h, write)
    checks = h.checks_for("hie-adt")
    one, _ = _document(validate_paths(paths, checks))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(spooling.tempfile, "tempdir", str(temporary))
    monkeypatch.setattr(spooling, "SPOOL_FILE_BYTES", 2_000)
    monkeypatch.setattr(pipeline, "QUEUED_PER_WORKER", 10_000)  # every batch to a worker
    monkeypatch.setattr(pipeline, "WHOLE_FILE_BYTES", 0)
    monkeypatch.setattr(pipeline, "BATCH_SIZE", 5)
    if not spooled:
        monkeypatch.setattr(pipeline, "open_spool", lambda: None)
    taken: list[int] = []
    take = Spool.take
    monkeypatch.setattr(Spool, "take", lambda self, piece: taken.append(1) or take(self, piece))
    events = list(validate_rendered(paths, checks, JsonMessageText(False), jobs=3))
    assert (len(taken) > 10) is spooled
    assert sum(e.messages for e in events if isinstance(e, RenderedMessages)) == 180
    assert _document(events)[0] == one
    assert list(temporary.iterdir()) == []
