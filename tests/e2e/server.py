"""Running `livedesk serve` as a real process for tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx

from tests.conftest import TOKEN_KEY, bus_url
from tests.per_run import REDIS_CHANNEL


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ServerProcess:
    def __init__(
        self,
        data_dir: Path,
        database_url: str,
        port: int | None = None,
        *,
        redis_url: str | None = None,
        env: dict[str, str] | None = None,
        log_path: Path | None = None,
    ) -> None:
        """`redis_url`: a Redis of the caller's own instead of the run's (the fault tests');
        `env`: more settings (`LIVEDESK_…`); `log_path`: where its output goes (a file nobody
        has to read, instead of a pipe that fills up when a long test logs much)."""
        self.data_dir = data_dir
        self.database_url = database_url
        self.port = port or free_port()
        self.redis_url = redis_url
        self.extra_env = env or {}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        """The server's environment: the test database (the run's own on PostgreSQL), and with
        Redis the run's own channel; never a Redis (or channel) the caller's environment names."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("LIVEDESK_REDIS_")}
        env["LIVEDESK_DATABASE_URL"] = self.database_url
        env["LIVEDESK_TOKEN_KEY"] = TOKEN_KEY
        redis = self.redis_url or bus_url(self.database_url)
        if redis is not None:
            env["LIVEDESK_REDIS_URL"] = redis
            env["LIVEDESK_REDIS_CHANNEL"] = REDIS_CHANNEL
            # With Redis every server of the run draws new tokens from one budget per address
            # (web.limits): the suite's servers together make more than a client would.
            env["LIVEDESK_RATE_LIMITS__TOKENS_PER_MINUTE"] = "0"
        env.update(self.extra_env)
        return env

    async def start(self, *extra: str) -> None:
        env = self.environment()
        output = open(self.log_path, "ab") if self.log_path else None  # noqa: ASYNC230, SIM115
        self.proc = subprocess.Popen(  # noqa: ASYNC220 (returns at once)
            [
                sys.executable,
                "-m",
                "livedesk",
                "serve",
                "--demo",
                "--port",
                str(self.port),
                "--data-dir",
                str(self.data_dir),
                *extra,
            ],
            env=env,
            stdout=output or subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        if output is not None:
            output.close()  # the process has its own copy
        await self._wait_ready()

    async def _wait_ready(self, timeout: float = 30.0) -> None:
        """Poll /healthz until the process answers (a separate process has no event to await)."""
        assert self.proc is not None
        async with httpx.AsyncClient(base_url=self.url) as http, asyncio.timeout(timeout):
            while True:
                if self.proc.poll() is not None:
                    out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                    if self.log_path is not None:
                        out = self.log_path.read_text(errors="replace")[-5000:]
                    raise RuntimeError(f"server exited with {self.proc.returncode}:\n{out}")
                try:
                    if (await http.get("/healthz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                await asyncio.sleep(0.05)

    def kill(self) -> None:
        """kill -9: no shutdown code runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()
