"""`livedesk report` on the scripted day (tests/reports/day.py): its tables show the reports
API's numbers (to one decimal), its `--csv` is the API's CSV byte for byte, and bad input is a
sentence and exit code 2, never a traceback."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from fastapi import FastAPI
from typer.testing import CliRunner

from livedesk.cli import app as cli
from livedesk.config import Settings
from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from livedesk.setup.service import apply_org
from tests.helpers import Api
from tests.reports.day import DAY, Day, build_day, use_org


@pytest.fixture
async def day(api: Api, app: FastAPI, clock: FakeClock, demo_org: OrgFile) -> Day:
    await use_org(app, demo_org)
    return await build_day(api, app, clock)


@pytest.fixture
def report(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Run `livedesk report ARGS` on the test's database (in a thread: it runs its own loop)."""
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("LIVEDESK_DATABASE_URL", settings.resolved_database_url())

    async def run(*args: str) -> Result:
        runner = CliRunner()
        return await asyncio.to_thread(
            runner.invoke, cli, ["report", *args, "--data-dir", str(settings.data_dir)]
        )

    return run


async def api_get(api: Api, path: str, **params: Any) -> Any:
    admin = await api.agent("admin")
    r = await api.http.get(f"/api/v1/reports/{path}", params=params, headers=admin.headers)
    assert r.status_code == 200, r.text
    return r.json() if r.headers["content-type"].startswith("application/json") else r.text


def table_rows(text: str) -> list[list[str]]:
    """The body rows of the tables Rich drew, as their cells."""
    return [
        [cell.strip() for cell in line.strip()[1:-1].split("│")]
        for line in text.splitlines()
        if line.strip().startswith("│")
    ]


def shown(value: Any) -> str:
    if value is None:
        return "–"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def summary_cells(row: dict[str, Any]) -> list[str]:
    label = row["label"] if row["label"] == row["group"] else f"{row['label']} ({row['group']})"
    cells = [label, *(shown(row[k]) for k in ("sessions", "abandoned", "notRouted"))]
    cells.append(shown(row["serviceLevel"]["percent"]))
    for figure in ("wait", "first_response", "handle"):
        f = row["figures"][figure]
        cells += [shown(f["average"]), shown(f["median"]), shown(f["p90"])]
    return [*cells, shown(row["figures"]["csat"]["average"])]


async def test_the_summary_tables_show_the_api_numbers(api: Api, day: Day, report: Any) -> None:
    for group_by in ("queue", "hour", "agent"):
        answer = await api_get(api, "summary", **{"from": DAY, "to": DAY, "groupBy": group_by})
        result = await report("--from", DAY, "--to", DAY, "--group-by", group_by)
        assert result.exit_code == 0, result.output
        rows = table_rows(result.stdout)
        expected = [summary_cells(r) for r in [*answer["rows"], answer["total"]]]
        assert rows[: len(expected)] == expected, group_by
        levels = rows[len(expected) :]
        assert levels == [
            [
                level["queue"],
                f"{level['met']} / {level['counted']}",
                shown(level["percent"]),
                f"within {level['withinSeconds']} s",
                f"{level['goalPercent']} %",
            ]
            for level in answer["serviceLevels"]
        ]
        # …which are the numbers worked out by hand (day.py): 6 sessions, 1 abandoned, 1 not
        # routed, service level 4 of 7, wait 33 / 30 / 50, first response 45 / 15 / 120,
        # handle 205 / 150 / 415, CSAT 4; General 3 of 6.
        assert expected[-1] == [
            *("all", "6", "1", "1", "57.1"),
            *("33.0", "30.0", "50.0", "45.0", "15.0", "120.0", "205.0", "150.0", "415.0", "4.0"),
        ]
        assert levels[1][:3] == ["General", "3 / 6", "50.0"]


async def test_csv_is_the_api_csv(api: Api, day: Day, report: Any) -> None:
    period = {"from": DAY, "to": DAY, "format": "csv"}
    for path, args in (
        ("summary", ["--group-by", "hour"]),
        ("sessions", ["--sessions"]),
        ("agents", ["--agents"]),
    ):
        params = period | ({"groupBy": "hour"} if path == "summary" else {})
        expected = await api_get(api, path, **params)
        result = await report("--from", DAY, "--to", DAY, "--csv", *args)
        assert result.exit_code == 0, result.output
        assert result.stdout_bytes.decode() == expected, path


async def test_sessions_and_agents_tables(api: Api, day: Day, report: Any) -> None:
    sessions = await report("--from", DAY, "--sessions")
    assert sessions.exit_code == 0, sessions.output
    rows = {r[1]: r for r in table_rows(sessions.stdout)}
    assert set(rows) == {day.sessions[s] for s in ("S1", "S2", "S3", "S4", "S5", "S6")}
    s2 = rows[day.sessions["S2"]]
    assert s2[2:8] == ["Billing → General", "grace", "Ended", "50.0", "30.0", "160.0"]
    assert rows[day.sessions["S4"]][10] == "abandoned"
    assert rows[day.sessions["S5"]][10] == "not routed: OutsideBusinessHours"

    answer = await api_get(api, "agents", **{"from": DAY, "to": DAY})
    agents = await report("--from", DAY, "--to", DAY, "--agents")
    assert agents.exit_code == 0, agents.output
    by_name = {r[0]: r for r in table_rows(agents.stdout)}
    for a in answer["agents"]:
        row = by_name[f"{a['displayName']} ({a['username']})"]
        assert row[-3:] == [
            shown(a["handlingSeconds"]),
            shown(a["occupancyPercent"]),
            str(a["sessionsHandled"]),
        ]
    # day.py: ada 0.6025 % of 53,945 s Online, 4 sessions; grace 53.33 %, 1.
    assert by_name["Ada Lovelace (ada)"][1] == "53945.0"
    assert by_name["Ada Lovelace (ada)"][-2:] == ["0.6", "4"]
    assert by_name["Grace Hopper (grace)"][-2:] == ["53.3", "1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tz", "Mars/Base"], "Unknown time zone 'Mars/Base' (use a name like Europe/Paris)."),
        (["--from", "2026-13-01"], "--from is a date (2026-11-25) or a time"),
        (["--from", "2026-11-25", "--to", "2026-11-24"], "--to must come after --from."),
        (["--queue", "Nope"], "There is no queue 'Nope'."),
        (["--group-by", "week"], "--group-by is one of queue, agent, day, hour, deployment."),
        (["--sessions", "--agents"], "Give --sessions or --agents, not both."),
        (["--org", "00DXX0000000001"], "There is no org 00DXX0000000001 in this database"),
    ],
)
async def test_bad_input_is_a_sentence(
    app: FastAPI, report: Any, args: list[str], message: str
) -> None:
    result = await report(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message), result.stderr
    assert "Traceback" not in result.output and result.stdout == ""


async def test_several_orgs_need_org(app: FastAPI, demo_org: OrgFile, report: Any) -> None:
    other = demo_org.model_copy(
        update={"org": demo_org.org.model_copy(update={"id": "00DLD0000000002"})}
    )
    c = app.state.container
    await apply_org(c.db, c.clock, other)
    result = await report("--from", DAY)
    assert result.exit_code == 2
    assert result.stderr == (
        "The database holds several orgs (00DLD0000000001, 00DLD0000000002): pick one with --org.\n"
    )
    chosen = await report("--from", DAY, "--org", "00DLD0000000002", "--csv")
    assert chosen.exit_code == 0, chosen.output
    assert chosen.stdout.splitlines()[-1].startswith("all,all,0,0,0,0,0,")


def test_an_empty_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LIVEDESK_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("LIVEDESK_DATABASE_URL", raising=False)
    result = CliRunner().invoke(cli, ["report", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == (
        "The database holds no org yet: apply an org file first (livedesk apply FILE).\n"
    )
