"""`hiecheck serve`: what it says on start, where it listens, and its bad-input lines."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hiecheck.cli import run
from hiecheck.web import cli as serve_cli

Cli = Callable[..., subprocess.CompletedProcess[str]]
EXAMPLE = "sample_messages/example-family-practice.toml"


@pytest.fixture()
def started(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """uvicorn's configs, instead of serving (the server itself runs in the browser tests)."""
    configs: list[Any] = []
    import uvicorn

    monkeypatch.setattr(uvicorn.Server, "run", lambda self: configs.append(self.config))
    return configs


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_binds_loopback_by_default_and_says_so(
    started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["serve", "--port", str(_free_port())]) == 0
    out = capsys.readouterr()
    assert "Listening on 127.0.0.1 only: reachable from this machine, not the network." in out.out
    assert "at most 256 MB and 1000 message files per check" in out.out
    assert out.err == ""
    (config,) = started
    assert config.host == "127.0.0.1" and config.access_log is False


def test_binding_elsewhere_prints_a_warning(
    started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["serve", "--host", "0.0.0.0", "--port", str(_free_port())]) == 0
    err = capsys.readouterr().err
    assert err.startswith("warning: listening on 0.0.0.0: anyone who can reach this machine")
    assert "PHI" in err


def test_with_an_organization_file_it_points_at_its_report(
    started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    port = _free_port()
    assert run(["serve", EXAMPLE, "--port", str(port)]) == 0
    assert f"hiecheck serve: http://127.0.0.1:{port}/report" in capsys.readouterr().out


def test_open_starts_the_browser(
    started: list[Any], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    opened: list[str] = []

    class Now:
        def __init__(self, delay: float, function: Any, args: list[str]) -> None:
            self.call = lambda: function(*args)

        def start(self) -> None:
            self.call()

    monkeypatch.setattr(serve_cli.threading, "Timer", Now)
    monkeypatch.setattr(serve_cli.webbrowser, "open", opened.append)
    port = _free_port()
    assert run(["serve", "--open", "--port", str(port)]) == 0
    assert opened == [f"http://127.0.0.1:{port}/"]


def test_a_port_in_use_is_one_line_exit_2(
    started: list[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert run(["serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"hiecheck: error: --host/--port: cannot listen on 127.0.0.1:{port}: the port is in use "
        "(expected a free port on an address of this machine)"
    )
    assert started == []


def test_a_bad_organization_file_stops_before_serving(
    started: list[Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    org = tmp_path / "org.toml"
    org.write_text('name = "X"\n[[enrollment]]\nprogram = "ohh"\n', encoding="utf-8")
    assert run(["serve", str(org), "--port", str(_free_port())]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"hiecheck: error: {org}:enrollment[1].contract: missing contract")
    assert started == []


def test_serve_answers_over_http(cli: Cli) -> None:
    """The real command in a subprocess answers on the printed address (then is stopped)."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "hiecheck", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.strip() == f"hiecheck serve: http://127.0.0.1:{port}/"
        for _ in range(300):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    assert response.status == 200
                    assert "Where does your organization stand?" in response.read().decode()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("no answer")
    finally:
        process.terminate()
        process.wait(timeout=30)
    assert process.stderr is not None
    assert "GET /" not in process.stderr.read()  # request lines are not logged


def test_every_serve_option_is_in_the_readme() -> None:
    """The README documents each option of `serve` (keeps it true as options change)."""
    import typing

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("<!-- section: web -->", 1)[1]
    # With Annotated, typer keeps an option's first name where the default would be.
    options = [
        name
        for hint in typing.get_type_hints(serve_cli.serve, include_extras=True).values()
        for meta in getattr(hint, "__metadata__", ())
        for name in (meta.default, *(meta.param_decls or ()))
        if isinstance(name, str) and name.startswith("--")
    ]
    assert len(options) == 9, options
    for name in options:
        assert name in section, name
