"""Debian's nginx in front of `livedesk serve` processes, with the operator's own configuration
(deploy/nginx.conf), for the multi-process tests.

    proxy = Nginx(tmp_path / "nginx")
    proxy.start([server.port for server in servers])  # skips the test if nginx is missing
    try:
        ...  # talk to proxy.url; every request goes to the next process (round robin)
    finally:
        proxy.stop()

`start` renders deploy/nginx.conf: the lines marked `# upstream-server` become one line per port
given (same parameters, 127.0.0.1), the line marked `# listen` listens on 127.0.0.1:`port` (a free
port unless given); nothing else of the file changes. The file is included in a small main
configuration of the test's own: nginx runs in the foreground as a child of the test (no daemon,
nothing of the system's nginx used or started), with its pid file, logs and temporary files in
`folder`. Each answer carries `X-Upstream` (nginx's `$upstream_addr`: which process served it,
e.g. `127.0.0.1:40123`, or several, comma-separated, when nginx had to try another), and
`access.log` in `folder` has one line per request: method, URI, status, upstream address(es),
upstream status(es), seconds. `error.log` there is nginx's own log (shown if it fails to start).

`stop` ends nginx at once (SIGTERM: open streams are cut), and does nothing when it is not running;
`start` may be called again after it (same port, new upstream list).

The load benchmark (bench/chat_load.py --scale) runs the same configuration through this module:
it needs nothing but the standard library, and pytest only when nginx is missing (the test skips).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

DEPLOY_CONF = Path(__file__).resolve().parents[2] / "deploy" / "nginx.conf"
UPSTREAM_HEADER = "X-Upstream"
START_SECONDS = 10.0
STOP_SECONDS = 10.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def nginx_binary() -> str | None:
    """Debian's nginx (in /usr/sbin, which is not on every user's PATH), or any on PATH."""
    found = shutil.which("nginx")
    if found:
        return found
    return "/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None


def render(conf: str, upstream_ports: Sequence[int], listen_port: int) -> str:
    """deploy/nginx.conf for these processes and this listening port (see the module's text)."""
    if not upstream_ports:
        raise ValueError("nginx needs at least one upstream port")
    out: list[str] = []
    servers = 0
    listens = 0
    for line in conf.splitlines():
        if line.rstrip().endswith("# upstream-server"):
            servers += 1
            if servers == 1:
                found = re.fullmatch(r"(\s*)server\s+\S+(.*?);\s*# upstream-server", line)
                if found is None:
                    raise ValueError(f"cannot read the upstream line {line!r}")
                indent, parameters = found.groups()
                out += [f"{indent}server 127.0.0.1:{p}{parameters};" for p in upstream_ports]
        elif line.rstrip().endswith("# listen"):
            listens += 1
            found = re.fullmatch(r"(\s*)listen\s+[^;]+;\s*# listen", line)
            if found is None:
                raise ValueError(f"cannot read the listen line {line!r}")
            out.append(f"{found.group(1)}listen 127.0.0.1:{listen_port};")
        else:
            out.append(line)
    if servers == 0 or listens != 1:
        raise ValueError("deploy/nginx.conf lost its `# upstream-server` or `# listen` marker")
    return "\n".join(out) + "\n"


def main_conf(folder: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives, in `folder`, with the site included."""
    # As root nginx's workers would run as `nobody`, who cannot enter a test's temporary folder.
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""\
daemon off;
{user}
worker_processes 2;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;
events {{
    worker_connections 1024;
}}
http {{
    log_format upstreams '$request_method $request_uri $status $upstream_addr $upstream_status '
                         '$request_time';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    add_header {UPSTREAM_HEADER} $upstream_addr always;
    include {site};
}}
"""


class Nginx:
    """nginx on 127.0.0.1:`port`, in front of the LiveDesk processes given to `start`."""

    def __init__(self, folder: Path, port: int | None = None) -> None:
        self.folder = folder
        self.port = port or free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.upstream_ports: list[int] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def error_log(self) -> Path:
        return self.folder / "error.log"

    @property
    def access_log(self) -> Path:
        return self.folder / "access.log"

    def start(self, upstream_ports: Sequence[int]) -> None:
        """Start nginx and wait until it accepts connections; skip the test without nginx."""
        binary = nginx_binary()
        if binary is None:
            import pytest

            pytest.skip("nginx is not installed (scripts/test installs Debian's nginx)")
        self.stop()
        self.folder.mkdir(parents=True, exist_ok=True)
        self.upstream_ports = list(upstream_ports)
        site = self.folder / "livedesk.conf"
        site.write_text(render(DEPLOY_CONF.read_text(), self.upstream_ports, self.port))
        conf = self.folder / "nginx.conf"
        conf.write_text(main_conf(self.folder, site))
        command = [binary, "-p", str(self.folder), "-e", str(self.error_log), "-c", str(conf)]
        self.proc = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, start_new_session=True
        )
        deadline = time.monotonic() + START_SECONDS
        while not self._accepts():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                log = self.error_log.read_text(errors="replace") if self.error_log.exists() else ""
                raise RuntimeError(f"nginx did not start ({' '.join(command)}):\n{log}")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop nginx now (SIGTERM, then SIGKILL); a no-op when it is not running."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # its own process group: master and workers
            proc.wait(STOP_SECONDS)

    def _accepts(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                return True
        except OSError:
            return False
