"""The token signing key: processes starting together on a new data folder all get the one key
written there (never an empty or half-written one), and a key given in the environment that is
too short to be a secret is refused with the variable's name, not a traceback."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from livedesk.auth.tokens import load_or_create_key
from livedesk.cli import app


def _load(folder: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    out.put(load_or_create_key(Path(folder)))


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    for attempt in range(5):
        folder = tmp_path / f"data{attempt}"
        context = multiprocessing.get_context("fork")
        out = context.Queue()
        procs = [context.Process(target=_load, args=(str(folder), out)) for _ in range(6)]
        for p in procs:
            p.start()
        keys = [out.get(timeout=30) for _ in procs]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
        assert len(set(keys)) == 1 and len(keys[0]) >= 48
        assert [f.name for f in folder.iterdir()] == ["token.key"]  # no draft left behind
        assert load_or_create_key(folder) == keys[0]


@pytest.mark.parametrize("key", ["", "CHANGE-ME"])
def test_a_token_key_that_is_no_secret_is_refused_with_its_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, key: str
) -> None:
    monkeypatch.setenv("LIVEDESK_TOKEN_KEY", key)
    result = CliRunner().invoke(
        app, ["serve", "--data-dir", str(tmp_path)], env={"LIVEDESK_DATA_DIR": str(tmp_path)}
    )
    assert result.exit_code == 2
    assert "The environment holds a setting LiveDesk cannot use:" in result.output
    assert "LIVEDESK_TOKEN_KEY: String should have at least 32 characters" in result.output
    assert "Traceback" not in result.output
