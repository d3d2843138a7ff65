"""A PostgreSQL cluster and a redis-server of the fault tests' own, to stop, kill and start again.

The fault tests (tests/e2e/test_faults.py) stop and kill their database and their Redis, so they
never use the machine's (PostgreSQL on 5432, Redis on 6379, what LIVEDESK_TEST_DATABASE_URL and
LIVEDESK_TEST_REDIS_URL name): `OwnPostgres` makes a cluster with `initdb` in a temporary folder
and serves it on a free loopback port (trust authentication, the `postgres` login; as root, the
cluster belongs to the `postgres` user, since PostgreSQL refuses to run as root), and `OwnRedis`
runs `redis-server` on a free loopback port with nothing saved. Each stops, kills and removes only
what it started, by process id or by its own data folder, whatever the test did.

Without `initdb` (or `redis-server`) the fixtures skip the tests, saying what is missing.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.server import free_port

START_SECONDS = 30.0  # how long a start may take before the test fails
STOP_SECONDS = 15.0


def _binary(name: str) -> str | None:
    """A PostgreSQL program: on PATH, else the newest of Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: (
            int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0
        ),
    )
    return versions[-1] if versions else None


class OwnPostgres:
    """A throwaway PostgreSQL cluster on 127.0.0.1:`port`, its data in a temporary folder."""

    def __init__(self, initdb: str) -> None:
        self._bin = Path(initdb).resolve().parent
        self.port = free_port()
        self._as: list[str] = []
        self._owner: tuple[int, int] | None = None
        if os.geteuid() == 0:  # initdb and postgres refuse to run as root
            import pwd

            runuser = shutil.which("runuser")
            try:
                user = pwd.getpwnam("postgres")
            except KeyError:
                runuser = None
            if runuser is None:
                pytest.skip("as root, the PostgreSQL fault tests need runuser and a postgres user")
            self._as = [runuser, "-u", "postgres", "--"]
            self._owner = (user.pw_uid, user.pw_gid)
        self.folder = Path(tempfile.mkdtemp(prefix="livedesk-faults-pg-"))
        if self._owner is not None:
            os.chown(self.folder, *self._owner)
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.running = False

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, program: str, *args: str, timeout: float = START_SECONDS) -> None:
        done = subprocess.run(
            [*self._as, str(self._bin / program), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{program} {' '.join(args)} failed ({done.returncode}):\n"
                f"{done.stdout.decode(errors='replace')}\n{log}"
            )

    def init(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            timeout=60,
        )

    def start(self) -> None:
        """Start (again) on the same port; returns once it accepts connections."""
        options = " ".join(
            [
                f"-p {self.port}",
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.folder}",
                "-c fsync=off",  # a restart of the server, not of the machine, is what is tried
                "-c full_page_writes=off",
                "-c max_connections=100",
            ]
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects every client and shuts down cleanly; `immediate` is a crash."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", timeout=STOP_SECONDS)
        self.running = False

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        """Stop the cluster however it is (by its own postmaster.pid) and remove its folder."""
        try:
            if (self.data / "postmaster.pid").exists():
                try:
                    self.stop("immediate")
                except Exception:
                    self._kill_postmaster()
        finally:
            self.running = False
            shutil.rmtree(self.folder, ignore_errors=True)

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        if str(self.data) in _command_line(pid):  # this cluster's postmaster, no other process
            os.kill(pid, signal.SIGKILL)

    def create_database(self, name: str) -> str:
        """A new database in this cluster; its URL."""
        if not name.replace("_", "").isalnum():
            raise ValueError(f"not a database name for a test: {name!r}")
        self._run_sql(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _run_sql(self, statement: str) -> None:
        psql = self._bin / "psql"
        subprocess.run(
            [str(psql), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d"]
            + ["postgres", "-v", "ON_ERROR_STOP=1", "-q", "-c", statement],
            check=True,
            timeout=START_SECONDS,
            stdout=subprocess.DEVNULL,
        )


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


class OwnRedis:
    """A redis-server on 127.0.0.1:`port` that saves nothing, to kill and start again."""

    def __init__(self, binary: str) -> None:
        self.port = free_port()
        self.folder = Path(tempfile.mkdtemp(prefix="livedesk-faults-redis-"))
        self._args = [binary, "--port", str(self.port), "--bind", "127.0.0.1"]
        self._args += ["--save", "", "--appendonly", "no", "--dir", str(self.folder)]
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start (again) on the same port; returns once it answers PING."""
        self._process = subprocess.Popen(
            self._args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + START_SECONDS
        while not self._answers():
            if self._process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self._process.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not answer in time")
            time.sleep(0.02)

    def _answers(self) -> bool:
        import socket

        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def kill(self) -> None:
        """kill -9: the connections break at once, pub/sub messages in flight are lost."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait(STOP_SECONDS)
            self._process = None

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()
                try:
                    self._process.wait(STOP_SECONDS)
                except subprocess.TimeoutExpired:
                    self._process.kill()
            self._process.wait(STOP_SECONDS)
            self._process = None

    def restart(self) -> None:
        self.kill()
        self.start()

    def cleanup(self) -> None:
        try:
            self.kill()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


@pytest.fixture(scope="module")
def own_postgres() -> Iterator[OwnPostgres]:
    """A PostgreSQL cluster made once for the module's tests, removed at the end."""
    initdb = _binary("initdb")
    if initdb is None or not (Path(initdb).resolve().parent / "pg_ctl").exists():
        pytest.skip("initdb and pg_ctl are not installed: the PostgreSQL fault tests need them")
    cluster = OwnPostgres(initdb)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.cleanup()


@pytest.fixture
def own_pg(own_postgres: OwnPostgres) -> Iterator[OwnPostgres]:
    """The module's cluster, running at the start of the test (and after it, for the next)."""
    if not own_postgres.running:
        own_postgres.start()
    yield own_postgres
    if not own_postgres.running:
        own_postgres.start()


@pytest.fixture(scope="module")
def own_redis() -> Iterator[OwnRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed: the fault tests need one of their own")
    server = OwnRedis(binary)
    try:
        server.start()
        yield server
    finally:
        server.cleanup()
