"""The reports dashboard of the console (issue 18) in a real browser, by role and accessible name:
the scripted day (tests/reports/day.py) is built in-process into the test's SQLite file with the
fake clock, the same app is served, and the admin's dashboard shows today against yesterday,
follows a new session live, then shows the scripted day picked in the date range picker with
exactly the figures worked out by hand there; it passes axe and breaks no CSP rule; the last 7
days go by day, and their sessions download as CSV.

The dashboard formats every number one way (console/static/dashboard.js): one decimal at most,
rounded half up on the exact value, ".0" left out; seconds as "12.5 s", "2 min 5 s",
"14 h 59 min 5 s"; percentages as "57.1 %". `seconds` and `percent` below are that rule."""

from __future__ import annotations

import asyncio
import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from livedesk.kit.clock import FakeClock
from livedesk.setup.schemas import OrgFile
from tests.e2e.browser import NEEDS_CHROMIUM
from tests.e2e.test_console import SHOTS, Console
from tests.e2e.test_console_more import ONCE, row
from tests.helpers import Api
from tests.reports.day import DAY, NEXT_DAY, build_day, use_org

pytestmark = NEEDS_CHROMIUM


def decimal(value: float) -> str:
    text = str(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))
    return text.removesuffix(".0")


def seconds(value: float) -> str:
    tenths = int(Decimal(value).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP) * 10)
    h, rest = divmod(tenths, 36000)
    m, s = divmod(rest, 600)
    parts = [f"{h} h"] if h else []
    parts += [f"{m} min"] if m else []
    if s or not parts:
        parts.append(f"{decimal(s / 10)} s")
    return " ".join(parts)


def percent(value: float) -> str:
    return f"{decimal(value)} %"


def test_the_rule() -> None:
    assert [seconds(v) for v in (0, 12.25, 12.04, 65, 120, 53_945, 3600.05)] == [
        "0 s",
        "12.3 s",
        "12 s",
        "1 min 5 s",
        "2 min",
        "14 h 59 min 5 s",
        "1 h 0.1 s",
    ]
    assert [percent(v) for v in (100 * 4 / 7, 50, 100 * 325 / 53_945)] == [
        "57.1 %",
        "50 %",
        "0.6 %",
    ]


async def card(view: Any, name: str, value: str, before: str) -> None:
    """The key figure `name` shows `value`, and `before` (the previous period's) beside it."""
    from playwright.async_api import expect

    group = view.get_by_role("group", name=name, exact=True)
    await expect(group.get_by_text(value, exact=True)).to_be_visible()
    await expect(group.get_by_text(before, exact=True)).to_be_visible()


async def cells(table: Any, page: Any, header: str, *values: str) -> None:
    from playwright.async_api import expect

    await expect(row(table, page, header).get_by_role("cell")).to_have_text(list(values))


@ONCE
async def test_the_dashboard_shows_the_scripted_day(
    browser: Any,
    app: FastAPI,
    api: Api,
    live: Api,
    clock: FakeClock,
    demo_org: OrgFile,
    live_url: str,
) -> None:
    from axe_playwright_python.async_playwright import Axe
    from playwright.async_api import expect

    SHOTS.mkdir(parents=True, exist_ok=True)
    await use_org(app, demo_org)
    await build_day(api, app, clock)  # the clock stops at 15:00 the next day: "today"

    boss = await Console.open(browser, live_url)
    await boss.sign_in("admin")
    page = boss.page
    await page.get_by_role("link", name="Reports", exact=True).click()
    view = page.get_by_role("main", name="Reports")
    await expect(page.get_by_role("link", name="Reports", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    # Today (in Paris) at first, against yesterday: S7 at 00:30 today, the scripted day's six.
    await expect(view.get_by_label("From", exact=True)).to_have_value(NEXT_DAY)
    await expect(view.get_by_label("To", exact=True)).to_have_value(NEXT_DAY)
    await view.get_by_text("Today, Wednesday 25 November 2026").wait_for()
    await card(view, "Sessions", "1", "Yesterday: 6")
    await card(view, "Average wait", "10 s", "Yesterday: 33 s")

    # Live: a customer starts waiting, and the figures follow without a reload.
    await view.get_by_text("Live", exact=True).wait_for()
    await live.waiting_customer(routingAttributes={"_firstName": "Hal", "Topic": "General"})
    await card(view, "Sessions", "2", "Yesterday: 6")
    await view.get_by_text(re.compile(r"^Updated 15:0\d:\d\d · times in Europe/Paris$")).wait_for()

    # The scripted day, picked in the date range picker, against the day before (nothing).
    await view.get_by_label("From", exact=True).fill(DAY)
    await view.get_by_label("To", exact=True).fill(DAY)
    await view.get_by_text("Tuesday 24 November 2026", exact=True).wait_for()
    await expect(view.get_by_text("Live", exact=True)).to_be_hidden()  # a past day does not change
    before = "Day before: "
    await card(view, "Sessions", "6", before + "0")
    await card(view, "Abandoned", "1", before + "0")
    await card(view, "Average wait", seconds((15 + 50 + 25 + 45 + 30) / 5), before + "—")
    await card(view, "Average first response", seconds((15 + 30 + 15 + 120) / 4), before + "—")
    await card(view, "Service level", percent(100 * 4 / 7), before + "—")
    await (
        view.get_by_role("group", name="Service level")
        .get_by_text("4 of 7 within target")
        .wait_for()
    )
    await card(view, "CSAT", "4", before + "—")

    # Wait and first response by hour: the chart, and its table.
    chart = view.get_by_role("region", name="Wait and first response by hour")
    await expect(chart.get_by_role("img", name="Wait and first response by hour")).to_be_visible()
    await chart.get_by_text("Show as a table").click()
    by_hour = chart.get_by_role("table", name="Wait and first response by hour")
    await expect(by_hour.get_by_role("row")).to_have_count(5)  # the header, 4 hours with a wait
    await cells(by_hour, page, "09:00", seconds((15 + 50) / 2), seconds((15 + 30) / 2))
    await cells(by_hour, page, "10:00", "25 s", "15 s")
    await cells(by_hour, page, "11:00", "45 s", "—")
    await cells(by_hour, page, "23:00", "30 s", "2 min")
    volume = view.get_by_role("region", name="Sessions by hour")
    await volume.get_by_text("Show as a table").click()
    sessions = volume.get_by_role("table", name="Sessions by hour")
    for hour, count, abandoned in [
        ("09", 2, 0),
        ("10", 1, 0),
        ("11", 1, 1),
        ("21", 1, 0),
        ("23", 1, 0),
    ]:
        await cells(sessions, page, f"{hour}:00", str(count), str(abandoned))

    # Service level per queue (20 s everywhere), CSAT, agents.
    levels = view.get_by_role("table", name="Service level per queue")
    await cells(levels, page, "General", "50 %", "80 % within 20 s", "3 of 6")
    await cells(levels, page, "Billing", "100 %", "80 % within 20 s", "1 of 1")
    await cells(levels, page, "Loans", "—", "80 % within 20 s", "0 of 0")
    csat = view.get_by_role("table", name="Customer satisfaction per queue")
    await cells(csat, page, "General", "4", "2")
    await expect(csat.get_by_role("row")).to_have_count(2)
    agents = view.get_by_role("table", name="Agents")
    online = 665 + 53_280  # ada's, handling 325 s of it
    ada = ("4", seconds(online), "5 min 25 s", percent(100 * 325 / online))
    await cells(agents, page, "Ada Lovelace", *ada)
    await cells(agents, page, "Grace Hopper", "1", "2 min 30 s", "1 min 20 s", "53.3 %")

    await chart.get_by_text("Show as a table").click()  # folded again for the picture
    await volume.get_by_text("Show as a table").click()
    await view.evaluate("main => main.scrollTo(0, 0)")
    await page.set_viewport_size({"width": 1280, "height": 1480})  # the whole dashboard
    await page.screenshot(path=str(SHOTS / "console-reports.png"), animations="disabled")
    results = await Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert bad == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]]) for v in bad]

    # A period the wrong way round is said, not asked.
    await view.get_by_label("From", exact=True).fill(NEXT_DAY)
    await expect(view.get_by_role("alert")).to_have_text(
        "The From date must be on or before the To date."
    )
    await view.get_by_role("button", name="Today").click()
    await view.get_by_text("Today, Wednesday 25 November 2026").wait_for()
    await expect(view.get_by_role("alert")).to_be_hidden()  # (empty)

    # The last 7 days, by day, against the 7 days before.
    await view.get_by_role("button", name="Last 7 days").click()
    await expect(view.get_by_label("From", exact=True)).to_have_value("2026-11-19")
    await card(view, "Sessions", "8", "Previous 7 days: 0")
    volume = view.get_by_role("region", name="Sessions by day")
    await volume.get_by_text("Show as a table").click()
    by_day = volume.get_by_role("table", name="Sessions by day")
    await cells(by_day, page, "Tue 24 Nov", "6", "1")
    await cells(by_day, page, "Wed 25 Nov", "2", "0")
    async with page.expect_download() as downloaded:
        await view.get_by_role("button", name="Download CSV").click()
    download = await downloaded.value
    assert download.suggested_filename == "sessions-2026-11-19-to-2026-11-25.csv"
    lines = (await asyncio.to_thread(Path(await download.path()).read_text)).splitlines()
    assert len(lines) == 1 + 8 and lines[0].startswith("sessionId,")
    await boss.clean()
    await boss.context.close()
