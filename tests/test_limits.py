"""Bounded reading: size limits checked before parsing, streams counted while read."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from hiecheck.errors import InputError
from hiecheck.limits import MIB, TOML_MAX_BYTES, read_bounded, size_text
from hiecheck.tomlfile import read_toml


def test_a_file_within_its_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(b"x" * 1000)
    assert read_bounded(path, 1000, "a test file") == b"x" * 1000


def test_a_big_regular_file_is_refused_by_its_size_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "huge.toml"
    with path.open("wb") as fh:  # sparse: 64 GiB on paper, nothing on disk
        fh.truncate(64 << 30)
    with pytest.raises(InputError) as err:
        read_toml(path)
    line = err.value.one_line()
    assert line.startswith(f"{path}: larger than the 4 MiB limit for ") and "\n" not in line


def test_a_device_is_counted_while_read_and_stops_at_the_limit() -> None:
    with pytest.raises(InputError) as err:
        read_bounded(Path("/dev/zero"), 3 * MIB, "an organization file")
    assert "larger than the 3 MiB limit for an organization file" in err.value.one_line()


def test_an_endless_fifo_stops_at_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "endless"
    os.mkfifo(fifo)
    stop = threading.Event()

    def writer() -> None:
        try:
            with open(fifo, "wb") as fh:
                while not stop.is_set():
                    fh.write(b"name = 'x'\n" * 1000)
        except BrokenPipeError:
            pass

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        with pytest.raises(InputError, match="larger than the 4 MiB limit"):
            read_toml(fifo)
    finally:
        stop.set()
        thread.join()


def test_a_small_fifo_is_read_like_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "org.toml"
    os.mkfifo(fifo)

    def writer() -> None:
        with open(fifo, "wb") as fh:
            fh.write(b'name = "Fifo Practice"\n')

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    assert read_toml(fifo) == {"name": "Fifo Practice"}
    thread.join()


def test_a_folder_or_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder, not a file"):
        read_bounded(tmp_path, TOML_MAX_BYTES, "a TOML file")
    with pytest.raises(InputError, match="cannot read file: No such file"):
        read_bounded(tmp_path / "nope.toml", TOML_MAX_BYTES, "a TOML file")


def test_sizes_read_as_people_write_them() -> None:
    assert [size_text(n) for n in (512, 1536, 4 * MIB, 16 * MIB, 1 << 30)] == [
        "512 bytes", "1.5 KiB", "4 MiB", "16 MiB", "1 GiB"]
