"""`livedesk bench` runs bench/chat_load.py: a tiny run moves messages with no errors and reports
them as a table and as JSON. bench/reports.py runs small too."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e
BENCH = Path(__file__).resolve().parents[2] / "bench"
REPORTS_BENCH = BENCH / "reports.py"


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


async def test_the_scale_benchmark_runs_small(tmp_path: Path) -> None:
    """bench/chat_load.py --scale 1,2: SQLite, PostgreSQL, then 1 and 2 processes behind nginx,
    each moving messages with none lost, and the figures of the note."""
    from tests.e2e.nginx import nginx_binary

    server = os.environ.get("LIVEDESK_TEST_DATABASE_URL")
    redis = os.environ.get("LIVEDESK_TEST_REDIS_URL")
    if server is None or redis is None:
        pytest.skip("PostgreSQL and Redis: set LIVEDESK_TEST_DATABASE_URL and _REDIS_URL")
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (scripts/test installs Debian's nginx)")
    out_file = tmp_path / "scale.json"
    args = ["-c", "2", "--warmup", "0.5", "--duration", "1", "--scale", "1,2"]
    args += ["--database-url", server, "--redis-url", redis, "--json", str(out_file)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BENCH / "chat_load.py"),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 240)
    assert proc.returncode == 0, stderr.decode() + stdout.decode()
    assert "messages per CPU-second" in stdout.decode()
    report = json.loads(out_file.read_text())
    assert [r["processes"] for r in report["results"]] == [1, 1, 1, 2]
    for run in report["results"]:
        assert run["messages"] > 0 and run["lost"] == 0 and run["errors"] == [], run
    assert report["figures"]["postgresql_vs_sqlite"] > 0
    assert "per_cpu_second_2_vs_1" in report["figures"]


def test_the_scale_benchmarks_rounds_report_each_figures_range(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """--rounds runs --scale's servers again and again; the note quotes each figure's lowest,
    median and highest value (a round missing a figure does not count for it)."""
    monkeypatch.syspath_prepend(str(BENCH))
    import chat_load

    ranges = chat_load.figure_ranges(
        [
            {"postgresql_vs_sqlite": 0.9, "per_cpu_second_2_vs_1": 0.7},
            {"postgresql_vs_sqlite": 0.7, "per_cpu_second_2_vs_1": None},
            {"postgresql_vs_sqlite": 0.8, "per_cpu_second_2_vs_1": 0.9},
        ]
    )
    assert ranges == {
        "postgresql_vs_sqlite": (0.7, 0.8, 0.9),
        "per_cpu_second_2_vs_1": (0.7, 0.8, 0.9),
    }
    scale = ["--scale", "1", "--database-url", "postgresql://x@127.0.0.1/x"]
    scale += ["--redis-url", "redis://127.0.0.1:6379/0"]
    assert chat_load.parse_args(["--rounds", "3", *scale]).rounds == 3
    with pytest.raises(SystemExit):
        chat_load.parse_args(["--rounds", "3"])  # rounds of --scale only


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
async def test_the_reports_benchmark_runs_small(tmp_path: Path, database: str) -> None:
    """bench/reports.py with 200 sessions and one run of each report: every call answers, the
    period holds every session, and the table and the JSON say so."""
    server = os.environ.get("LIVEDESK_TEST_DATABASE_URL")
    if database == "postgresql" and server is None:
        pytest.skip("PostgreSQL: set LIVEDESK_TEST_DATABASE_URL to run on PostgreSQL too")
    out_file = tmp_path / "reports.json"
    args = ["--sessions", "200", "--days", "3", "--runs", "1", "--json", str(out_file)]
    if database == "postgresql" and server is not None:
        args += ["--database-url", server]
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(REPORTS_BENCH),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, stderr.decode() + stdout.decode()
    assert "median ms" in stdout.decode()
    result = json.loads(out_file.read_text())
    assert result["database"] == database and result["covered"] == 200
    operations = {t["operation"]: t for t in result["timings"]}
    assert {"summary by queue", "summary by day", "sessions, first page", "agents"} <= set(
        operations
    )
    assert operations["summary by day"]["sessions"] == 200
    assert all(t["runs"] == 1 and t["max_ms"] > 0 for t in result["timings"])


async def _bench(script: str, *args: str, timeout: float = 120) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(BENCH / script),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(proc.communicate(), timeout)
    assert proc.returncode == 0, stderr.decode() + stdout.decode()
    return stdout.decode()


async def test_the_routing_benchmark_runs_small(tmp_path: Path) -> None:
    """bench/routing.py with 40 sessions and 8 agents: every session offered and accepted."""
    out_file = tmp_path / "routing.json"
    await _bench("routing.py", "--sessions", "40", "--agents", "8", "--json", str(out_file))
    result = json.loads(out_file.read_text())
    assert (result["decisions"], result["accepted"], result["left_waiting"]) == (40, 40, 0)


async def test_the_stalled_streams_benchmark_runs_small(tmp_path: Path) -> None:
    """bench/stalled_streams.py with 2 chats, 10 stalled streams and one-second phases."""
    out_file = tmp_path / "stalled.json"
    args = ["-c", "2", "--stalled", "10", "--streams-per-customer", "5", "--phase", "1"]
    args += ["--stalled-phase", "2", "--warmup", "0.2", "--fill", "10", "--feed-rate", "5"]
    await _bench("stalled_streams.py", *args, "--json", str(out_file))
    phases = json.loads(out_file.read_text())["phases"]
    assert [p["phase"] for p in phases] == ["before", "stalled", "after"]
    assert all(p["messages"] > 0 and p["lost"] == 0 and p["errors"] == [] for p in phases)
