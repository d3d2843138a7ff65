"""`livedesk bench` runs bench/chat_load.py: a tiny run moves messages with no errors and reports
them as a table and as JSON."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


async def test_livedesk_bench_runs_a_small_load_and_reports_it(tmp_path: Path) -> None:
    out_file = tmp_path / "bench.json"
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "livedesk",
        "bench",
        "-c",
        "2",
        "--warmup",
        "0.5",
        "--duration",
        "1",
        "--skip-baseline",
        "--json",
        str(out_file),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, stderr.decode() + stdout.decode()
    assert "msg/s" in stdout.decode()
    report = json.loads(out_file.read_text())
    [run] = [r for r in report["results"] if r["server"] == "livedesk"]
    assert run["messages"] > 0 and run["lost"] == 0 and run["errors"] == [], run
