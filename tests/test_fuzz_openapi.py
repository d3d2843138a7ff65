"""API fuzzing (issue 13): schemathesis sends what the OpenAPI document allows, and what it
forbids, to every call but the endless streams, with a guest token, an agent token and an admin
token, and checks every answer with all its checks: no 5xx, every status documented, every body
and header as documented, valid input accepted and invalid input refused.

The server is a real uvicorn on SQLite with the demo org and rate limits off, run once (not once
per database). The document is LiveDesk's own `/openapi.json`, made when this module is
collected (schemathesis makes one test per operation from it).

In the suite: a fixed seed and 25 generated requests per operation and token. The long version
(`LIVEDESK_FUZZ_LONG=1 .venv/bin/pytest tests/test_fuzz_openapi.py`) makes 500 per operation and
token, and adds schemathesis's coverage phase (every boundary of every documented range, every
enum value, every required field left out), with a seed of its own each run.
"""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
import uvicorn
from schemathesis.config import SchemathesisConfig

from livedesk.app import create_app
from livedesk.config import RateLimitSettings, Settings, TimerSettings
from livedesk.kit.db import sqlite_url
from tests.conftest import TOKEN_KEY
from tests.helpers import DEPLOYMENT, MIAW, ORG

LONG = os.environ.get("LIVEDESK_FUZZ_LONG") == "1"

CONFIG: dict[str, Any] = {
    **({} if LONG else {"seed": 20261122}),
    "generation": {
        "max-examples": 500 if LONG else 25,
        "database": "none",
        # Query parameters a call does not know are ignored, as HTTP servers do (and MIAW
        # clients send some of their own): not a refusal the document promises.
        "allow-extra-parameters": False,
    },
    "phases": {"coverage": {"enabled": LONG}, "stateful": {"enabled": False}},
    "checks": {
        # Refusals LiveDesk makes besides validation: 413 for a body beyond the body limit.
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "403", "404", "405", "409", "413", "415", "429"]
        },
        # Well-formed input that a JSON Schema cannot tell from good input is a 400 with its own
        # code: a deployment, an entry or an org that does not exist (`unknown_deployment`,
        # `unknown_entry`), a text of spaces (`empty_message`), a whole number beyond 64 bits
        # anywhere in a body (`number_out_of_range`); random file bytes are a 415, and a message
        # after the last session ended may need the pre-chat again (417).
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "415", "417", "429"]
        },
    },
    "operations": [
        {
            # MIAW's `/conversation/list` is also `/conversation/{conversation_id}` with the id
            # "list": DELETE there closes conversation "list" (a 400 `invalid_conversation_id`,
            # not a 405), and the `Allow` of a 405 there rightly names DELETE, which the document
            # lists under the template, not under `/list`.
            "include-path": f"{MIAW}/conversation/list",
            "checks": {
                "allow_header_conformance": {"enabled": False},
                "unsupported_method": {"enabled": False},
            },
        }
    ],
}


def _settings(data_dir: Path, **extra: Any) -> Settings:
    return Settings(
        data_dir=data_dir,
        database_url=sqlite_url(data_dir),
        token_key=TOKEN_KEY,
        timers=TimerSettings(poll_seconds=3600),
        rate_limits=RateLimitSettings(
            tokens_per_minute=0, messages_per_second=0, message_burst=0, streams_per_token=0
        ),
        **extra,
    )


def _document() -> dict[str, Any]:
    """The document of an app that is never started (its folder is gone at once)."""
    with tempfile.TemporaryDirectory() as folder:
        return create_app(_settings(Path(folder))).openapi()


schema = schemathesis.openapi.from_dict(
    _document(), config=SchemathesisConfig.from_dict(CONFIG)
).exclude(path_regex=r"/stream$|/sse$")  # endless by design: the bad-input corpus covers them


USERNAMES = {"agent": "ada", "admin": "admin"}


@dataclass
class Server:
    url: str
    tokens: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def auth(self, actor: str, case: schemathesis.Case) -> dict[str, str]:
        """A token of `actor` for the operation of `case`: each operation gets its own, as
        logout and revoke are operations too."""
        key = (actor, case.operation.label)
        if key not in self.tokens:
            self.tokens[key] = self._new_token(actor)
        return self.tokens[key]

    def _new_token(self, actor: str) -> dict[str, str]:
        with httpx.Client(base_url=self.url, timeout=30) as http:
            if actor == "guest":
                r = http.post(
                    f"{MIAW}/authorization/unauthenticated/access-token",
                    json={"orgId": ORG, "esDeveloperName": DEPLOYMENT},
                )
            else:
                login = {"username": USERNAMES[actor], "password": "demo"}
                r = http.post("/api/v1/auth/login", json=login)
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['accessToken']}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Server]:
    """The app on a real uvicorn (its own thread and event loop), with the demo org."""
    folder = tmp_path_factory.mktemp("fuzz")
    shutil.copy(sqlite_template, folder / "livedesk.db")
    app = create_app(_settings(folder, migrate_on_start=False, demo=True))
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)  # requests made before uvicorn starts wait in the backlog
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    uv = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=uv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Server(url)
    finally:
        uv.should_exit = True
        thread.join(30)
        sock.close()


@schema.parametrize()
def test_fuzz_as_guest(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(base_url=server.url, headers=server.auth("guest", case))


@schema.parametrize()
def test_fuzz_as_agent(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(base_url=server.url, headers=server.auth("agent", case))


@schema.parametrize()
def test_fuzz_as_admin(case: schemathesis.Case, server: Server) -> None:
    case.call_and_validate(base_url=server.url, headers=server.auth("admin", case))
