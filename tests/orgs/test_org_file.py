"""Org files: validation errors name the file, the path inside it and the problem; apply is
idempotent and updates what changed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fastapi import FastAPI

from livedesk.setup.loader import OrgFileError, load_demo_org, load_org_file, parse_org_text
from livedesk.setup.service import apply_org
from tests.helpers import Api

GOOD = """
org: {id: 00DLD0000000002, name: Acme}
deployments:
  - {developer_name: Support, queue: Front}
queues:
  - {name: Front}
agents:
  - {username: zoe, password: pw, queues: [Front]}
"""


def test_the_demo_org_is_valid() -> None:
    org = load_demo_org()
    assert org.org.id == "00DLD0000000001"
    assert [q.name for q in org.queues] == ["General", "Billing", "Loans"]
    assert {a.username for a in org.agents} == {"ada", "grace", "admin"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("org: [unclosed", "org.yaml (line 1, column 15): not valid YAML"),
        ("- just a list", "org.yaml: the top level must be a mapping"),
        (
            GOOD.replace("queue: Front}", "queue: Front, customer_inactivity_minutes: 45}"),
            "org.yaml: deployments[0](Support).customer_inactivity_minutes: Input should be less than or equal to 30",
        ),
        (
            GOOD.replace("00DLD0000000002", "00Dshort"),
            "org.yaml: org.id: String should match pattern",
        ),
        (GOOD.replace("queues: [Front]", "queues: [Back]"), "agent zoe: unknown queue 'Back'"),
        (
            GOOD.replace("{name: Front}", "{name: Front, colour: red}"),
            "org.yaml: queues[0](Front).colour: Extra inputs are not permitted",
        ),
        (
            GOOD.replace("password: pw", "capacity: 2"),
            "agents[0](zoe): Value error, give exactly one of `password` or `password_hash`",
        ),
        (
            GOOD + "business_hours:\n  - {name: Office, time_zone: Mars/Olympus}\n",
            "business_hours[0](Office).time_zone: Value error, unknown time zone 'Mars/Olympus'",
        ),
        (
            GOOD + "business_hours:\n  - {name: Office, time_zone: UTC, weekly: {mon: []}}\n",
            "business_hours[0](Office).weekly: Value error, 'mon' is not a day",
        ),
        (
            GOOD
            + "business_hours:\n  - {name: Office, time_zone: UTC, weekly: {monday: [17-9]}}\n",
            "business_hours[0](Office).weekly: Value error, '17-9': '17' is not a time like 09:30",
        ),
        (
            GOOD.replace("queue: Front}", "queue: Front, business_hours: Office}"),
            "deployment Support: unknown business_hours 'Office'",
        ),
        (
            GOOD.replace(
                "queue: Front}",
                "queue: Front, routing: {rules: [{attribute: Topic, equals: x, queue: Back}]}}",
            ),
            "deployment Support: routing rule for 'Topic' names an unknown queue 'Back'",
        ),
        (
            GOOD.replace(
                "queue: Front}",
                "queue: Front, routing: {rules: [{attribute: Topic, queue: Front}]}}",
            ),
            "give exactly one of `equals`, `one_of` or `present: true`",
        ),
        (
            GOOD.replace("{name: Front}", "{name: Front, overflow_queue: Front}"),
            "queue Front: a queue cannot overflow to itself",
        ),
        (
            GOOD.replace(
                "queue: Front}",
                "queue: Front, user_verification: {keysets: [{kid: k, issuer: i, audience: a, "
                "public_key: nope}]}}",
            ),
            "`public_key` is not a PEM public key",
        ),
        (
            GOOD.replace("{name: Front}", "{name: Front, routing_model: random}"),
            "queues[0](Front).routing_model: Input should be 'most_available' or 'least_active'",
        ),
        (
            GOOD + "quick_texts: [{name: Hi, text: Hello, queues: [Nowhere]}]\n",
            "quick text Hi: unknown queue 'Nowhere'",
        ),
    ],
)
def test_errors_name_file_path_and_problem(text: str, expected: str) -> None:
    with pytest.raises(OrgFileError) as info:
        parse_org_text(text, "org.yaml")
    assert expected in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(OrgFileError, match="cannot read the file"):
        load_org_file(tmp_path / "nope.yaml")


async def test_apply_is_idempotent_and_updates(app: FastAPI, api: Api) -> None:
    c = app.state.container
    org = parse_org_text(GOOD, "org.yaml")
    await apply_org(c.db, c.clock, org)
    await apply_org(c.db, c.clock, org)
    agent = await api.agent("zoe", "pw")
    assert agent.agent["capacity"] == 3 and agent.agent["queues"] == ["Front"]
    changed = parse_org_text(GOOD.replace("password: pw", "password: new, capacity: 7"), "org.yaml")
    await apply_org(c.db, c.clock, changed)
    r = await api.http.post("/api/v1/auth/login", json={"username": "zoe", "password": "pw"})
    assert r.status_code == 401
    assert (await api.agent("zoe", "new")).agent["capacity"] == 7


def run_cli(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "livedesk", *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_apply_and_its_errors(tmp_path: Path) -> None:
    good = tmp_path / "org.yaml"
    good.write_text(GOOD)
    result = run_cli("apply", str(good), data_dir=tmp_path / "data")
    assert result.returncode == 0, result.stderr
    assert "org 00DLD0000000002, 1 deployment(s), 1 queue(s), 1 agent(s)" in result.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("{name: Front}", "{name: Front, push_timeout_seconds: 1}"))
    result = run_cli("apply", str(bad), data_dir=tmp_path / "data")
    assert result.returncode == 2
    assert (
        f"{bad}: queues[0](Front).push_timeout_seconds: Input should be greater than or equal to 5"
        in result.stderr
    )


def test_cli_version_and_db_upgrade(tmp_path: Path) -> None:
    version = subprocess.run(
        [sys.executable, "-m", "livedesk", "version"], capture_output=True, text=True
    )
    assert version.stdout.strip() == "0.1.0"
    result = run_cli("db", "upgrade", data_dir=tmp_path)
    assert result.returncode == 0 and (tmp_path / "livedesk.db").exists()
