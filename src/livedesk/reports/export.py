"""Reports as CSV (the API's `format=csv` and `livedesk report --csv`): pure, one column per
figure, the same names the JSON uses."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from livedesk.reports.metrics import FIGURES
from livedesk.reports.schemas import (
    AgentReport,
    SessionReport,
    SessionReportRow,
    Summary,
    SummaryRowOut,
)

MEDIA_TYPE = "text/csv; charset=utf-8"


def _csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else _cell(v) for v in row])
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value  # a spreadsheet never runs a cell as a formula
    return value


def sessions_csv(report: SessionReport) -> str:
    fields = list(SessionReportRow.model_fields)
    rows = []
    for s in report.sessions:
        values = s.model_dump()
        values["queues"] = " ".join(s.queues)
        values["waitByQueue"] = " ".join(f"{q}={_cell(w)}" for q, w in s.waitByQueue.items())
        rows.append([values[f] for f in fields])
    return _csv(fields, rows)


def summary_csv(summary: Summary) -> str:
    header = [
        "group",
        "label",
        "sessions",
        "abandoned",
        "notRouted",
        "serviceLevelMet",
        "serviceLevelCounted",
        "serviceLevelPercent",
    ]
    for figure in FIGURES:
        header += [f"{figure}_{part}" for part in ("count", "average", "median", "p90")]
    return _csv(header, [_summary_cells(r) for r in [*summary.rows, summary.total]])


def _summary_cells(row: SummaryRowOut) -> list[Any]:
    cells: list[Any] = [
        row.group,
        row.label,
        row.sessions,
        row.abandoned,
        row.notRouted,
        row.serviceLevel.met,
        row.serviceLevel.counted,
        row.serviceLevel.percent,
    ]
    for figure in FIGURES:
        f = row.figures[figure]
        cells += [f.count, f.average, f.median, f.p90]
    return cells


def agents_csv(report: AgentReport, presences: Iterable[str]) -> str:
    names = list(presences)
    header = [
        "username",
        "displayName",
        *[f"{p}Seconds" for p in names],
        "onlineSeconds",
        "handlingSeconds",
        "occupancyPercent",
        "sessionsHandled",
    ]
    return _csv(
        header,
        [
            [
                a.username,
                a.displayName,
                *[a.presenceSeconds.get(p, 0.0) for p in names],
                a.onlineSeconds,
                a.handlingSeconds,
                a.occupancyPercent,
                a.sessionsHandled,
            ]
            for a in report.agents
        ],
    )
