"""Each session's figures and the summaries, on sessions built by hand; every expected number is
worked out in the comment beside it (times in seconds after T0)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from livedesk.reports.metrics import (
    Answer,
    Message,
    QueueStay,
    SessionFacts,
    Transition,
    nearest_rank,
    service_level,
    session_metrics,
    summary,
)

# 2026-11-25 22:59:00 UTC = 23:59:00 in Paris (UTC+1 in November).
T0 = int(datetime(2026, 11, 25, 22, 59, tzinfo=UTC).timestamp() * 1000)


def at(seconds: float) -> int:
    return T0 + int(seconds * 1000)


def steps(*rows: tuple[object, ...]) -> tuple[Transition, ...]:
    """(seconds, status[, queue[, agent[, event]]]) each."""
    return tuple(Transition(at(r[0]), *r[1:]) for r in rows)  # type: ignore[arg-type]


# A: waits in Sales, is transferred to Support, taken by ana; gets an auto-response, a flow's
# message (sent as the agent) and a component (sent as the agent); ends after midnight in Paris.
TRANSFERRED = SessionFacts(
    session_id="A",
    deployment="Web_Chat",
    started_at=at(0),
    transitions=steps(
        (0, "New"),
        (5, "Waiting", "Sales", None, "route"),
        (35, "Waiting", "Support", None, "transfer"),
        (50, "Active", "Support", "ana", "accept"),
        (350, "Ended", "Support", "ana", "end"),
    ),
    messages=(
        Message(at(10), "EndUser"),
        Message(at(11), "System"),  # the auto-response
        Message(at(60), "Agent"),
        Message(at(100), "EndUser"),
        Message(at(110), "EndUser"),
        Message(at(130), "Agent"),
        Message(at(200), "EndUser"),
        Message(at(230), "Agent", automated=True),  # a flow's message, as the agent
        Message(at(260), "Agent"),
        Message(at(300), "Agent", automated=True),  # a component, as the agent
    ),
    ended_by_role="Agent",
    end_reason="AgentEnded",
)

# B: waits in Support from 120, taken by bo at 140, Inactive from 220 to 520, ends at 620;
# answers the survey (CSAT 4) and the answered-question component (Yes).
INACTIVE = SessionFacts(
    session_id="B",
    deployment="Web_Chat",
    started_at=at(120),
    transitions=steps(
        (120, "New"),
        (120, "Waiting", "Support"),
        (140, "Active", "Support", "bo"),
        (220, "Inactive", "Support", "bo"),
        (520, "Active", "Support", "bo"),
        (620, "Ended", "Support", "bo"),
    ),
    messages=(
        Message(at(125), "EndUser"),
        Message(at(150), "Agent"),
        Message(at(530), "EndUser"),
        Message(at(540), "Agent"),
    ),
    answers=(
        Answer("Post_Chat_Survey", rating=4),
        Answer("Answered_Question", selection="Yes"),
    ),
    ended_by_role="EndUser",
    end_reason="EndUserEnded",
)

# C: waits in Sales from 2 and leaves at 92 without being taken.
ABANDONED = SessionFacts(
    session_id="C",
    deployment="Web_Chat",
    started_at=at(0),
    transitions=steps((0, "New"), (2, "Waiting", "Sales"), (92, "Ended", "Sales")),
    messages=(Message(at(3), "EndUser"),),
    ended_by_role="EndUser",
    end_reason="EndUserEnded",
)

# D: never routed (outside business hours), ends at once.
NOT_ROUTED = SessionFacts(
    session_id="D",
    deployment="Other_Chat",
    started_at=at(0),
    transitions=steps((0, "New"), (1, "Ended")),
    messages=(Message(at(0.5), "System"),),
    ended_by_role="System",
    end_reason="NotRouted",
    reason_for_not_routing="OutsideBusinessHours",
)


def test_a_transfer_splits_the_wait_and_automated_entries_are_not_agent_replies() -> None:
    m = session_metrics(TRANSFERRED)
    assert m.wait_by_queue == {"Sales": 30.0, "Support": 15.0}  # 35-5, 50-35
    assert m.wait == 45.0  # 30 + 15
    assert m.transfers == 1  # two queues
    assert (m.first_queue, m.agent) == ("Sales", "ana")
    assert m.first_response == 10.0  # accepted 50 → first agent message 60
    assert m.customer_first_response == 50.0  # customer's first 10 → agent's 60
    # Runs: 10 → 60, measured from acceptance (50): 10; 100 (and 110) → 130: 30;
    # 200 → 260 (the flow's message at 230 is no reply): 60.
    assert m.average_response == pytest.approx((10 + 30 + 60) / 3)
    assert m.longest_response == 60.0
    assert m.handle == 300.0  # 350 - 50
    assert m.inactive == 0.0
    assert (m.customer_messages, m.agent_messages) == (4, 3)  # 10,100,110,200; 60,130,260
    assert m.automated_messages == 3  # the auto-response, the flow's message, the component
    assert (m.end_reason, m.ended_by_role) == ("AgentEnded", "Agent")
    assert not m.abandoned and m.abandoned_wait is None and not m.not_routed
    assert m.csat is None and m.answered_question is None
    assert m.stays == (
        QueueStay("Sales", at(5), at(35), "transferred"),
        QueueStay("Support", at(35), at(50), "accepted", "ana"),
    )


def test_going_inactive_and_coming_back_and_a_survey_answer() -> None:
    m = session_metrics(INACTIVE)
    assert m.wait == 20.0  # 140 - 120
    assert m.inactive == 300.0  # 520 - 220
    assert m.handle == 480.0  # 620 - 140, inactive time included
    assert m.first_response == 10.0  # 150 - 140
    assert m.customer_first_response == 25.0  # 150 - 125
    assert m.average_response == 10.0  # (150 - max(125, 140) = 10, 540 - 530 = 10) / 2
    assert m.longest_response == 10.0
    assert (m.customer_messages, m.agent_messages, m.automated_messages) == (2, 2, 0)
    assert m.transfers == 0
    assert m.csat == 4
    assert m.answered_question is True


def test_abandonment() -> None:
    m = session_metrics(ABANDONED)
    assert m.abandoned
    assert m.abandoned_wait == 90.0  # 92 - 2: still in Sales when it ended
    assert m.wait_by_queue == {"Sales": 90.0}
    assert m.accepted_at is None
    assert m.handle is m.first_response is m.customer_first_response is None
    assert m.average_response is None and m.agent_messages == 0
    assert m.ended_by_role == "EndUser"


def test_not_routed() -> None:
    m = session_metrics(NOT_ROUTED)
    assert m.not_routed and m.reason_for_not_routing == "OutsideBusinessHours"
    assert not m.abandoned  # never waited
    assert m.wait is None and m.first_queue is None
    assert (m.customer_messages, m.agent_messages, m.automated_messages) == (0, 0, 1)


ALL = [session_metrics(f) for f in (TRANSFERRED, INACTIVE, ABANDONED, NOT_ROUTED)]


def test_a_session_counts_on_the_day_it_entered_its_first_queue_in_the_time_zone() -> None:
    # Queued: A at 22:59:05Z = 23:59:05 Paris (25th, it ends 00:04:50 on the 26th);
    # B at 23:01:00Z = 00:01:00 Paris (26th); C at 22:59:02Z (25th); D never queued: it counts
    # when it asked, 22:59:00Z (25th).
    paris = {row.group: row for row in summary(ALL, "day", "Europe/Paris")}
    assert list(paris) == ["2026-11-25", "2026-11-26"]
    day = paris["2026-11-25"]
    assert (day.sessions, day.abandoned, day.not_routed) == (3, 1, 1)  # A, C, D
    wait = day.figures["wait"]
    assert wait.count == 2
    assert wait.average == 67.5  # (45 + 90) / 2
    assert wait.median == 45.0  # nearest rank: ceil(0.5 × 2) = 1st of [45, 90]
    assert wait.p90 == 90.0  # ceil(0.9 × 2) = 2nd
    assert paris["2026-11-26"].sessions == 1  # B
    assert paris["2026-11-26"].figures["csat"].average == 4.0
    # In UTC all three are on the 25th.
    utc = summary(ALL, "day")
    assert [(row.group, row.sessions) for row in utc] == [("2026-11-25", 4)]
    hours = [(row.group, row.sessions) for row in summary(ALL, "hour", "Europe/Paris")]
    assert hours == [("2026-11-25T23:00", 3), ("2026-11-26T00:00", 1)]


def test_grouping_by_queue_agent_and_deployment() -> None:
    queues = {row.group: row for row in summary(ALL, "queue")}
    assert {g: r.sessions for g, r in queues.items()} == {"Sales": 2, "Support": 1}  # A,C; B
    assert queues["Sales"].figures["handle"].average == 300.0  # only A was handled
    agents = [(row.group, row.sessions) for row in summary(ALL, "agent")]
    assert agents == [("ana", 1), ("bo", 1)]  # C and D had no agent
    deployments = [(row.group, row.not_routed) for row in summary(ALL, "deployment")]
    assert deployments == [("Other_Chat", 1), ("Web_Chat", 0)]


def test_service_level_counts_answered_and_abandoned_stays_against_each_queues_target() -> None:
    # Stays: A Sales 30 s transferred (not counted), A Support 15 s accepted; B Support 20 s
    # accepted; C Sales 90 s abandoned; D none.
    targets = {"Support": 15}
    support = service_level(ALL, targets, "Support")
    assert (support.met, support.counted) == (1, 2)  # A's 15 ≤ 15; B's 20 > 15
    assert support.percent == 50.0
    sales = service_level(ALL, targets, "Sales")
    assert (sales.met, sales.counted, sales.percent) == (0, 1, 0.0)  # C abandoned
    assert service_level(ALL, {}).met == 2  # 20 s by default: 15 and 20 both within
    assert service_level([], targets).percent is None
    rows = {row.group: row for row in summary(ALL, "queue", targets=targets)}
    # Grouped by queue the level is the queue's own, A's Support stay included though A's
    # first queue is Sales.
    assert (rows["Support"].service_level.met, rows["Support"].service_level.counted) == (1, 2)
    assert (rows["Sales"].service_level.met, rows["Sales"].service_level.counted) == (0, 1)


def test_nearest_rank_percentiles() -> None:
    odd = [5.0, 1.0, 3.0, 2.0, 4.0]
    assert nearest_rank(odd, 50) == 3.0  # ceil(0.5 × 5) = 3rd of 1..5
    assert nearest_rank(odd, 90) == 5.0  # ceil(0.9 × 5) = 5th
    even = [10.0, 40.0, 20.0, 30.0]
    assert nearest_rank(even, 50) == 20.0  # ceil(0.5 × 4) = 2nd of 10, 20, 30, 40
    assert nearest_rank(even, 90) == 40.0  # ceil(0.9 × 4) = ceil(3.6) = 4th
    assert nearest_rank([], 50) is None
