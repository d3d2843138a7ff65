"""Components in the org file are checked when it is loaded: each mistake is reported with the
file, the path inside it and the problem."""

from __future__ import annotations

import pytest

from livedesk.setup.loader import OrgFileError, parse_org_text

HEAD = """
org: {id: 00DLD0000000009, name: Components}
queues: [{name: General}]
deployments:
  - developer_name: Web
    queue: General
    auto_responses: {end_conversation_component: %s}
components:
"""
SURVEY = (
    "  - {name: Survey, type: form, text: Rate us, fields: [{name: r, label: R, type: rating}]}\n"
)


def load(components: str, end: str = "Survey") -> None:
    parse_org_text(HEAD % end + SURVEY + components, "org.yaml")


def test_a_valid_file_loads() -> None:
    org = parse_org_text(
        HEAD % "Survey"
        + SURVEY
        + '  - {name: Q, type: choices, text: "Ok?", options: ["Yes", "No"]}\n',
        "org.yaml",
    )
    assert [c.name for c in org.components] == ["Survey", "Q"]
    assert [o.value for o in org.components[1].options] == ["Yes", "No"]


@pytest.mark.parametrize(
    ("components", "end", "expected"),
    [
        (
            '  - {name: Q, type: choices, text: "Ok?"}\n',
            "Survey",
            "org.yaml: components[1](Q): Value error, a choices component needs at least one "
            "entry in `options`",
        ),
        (
            '  - {name: Q, type: choices, text: "Ok?", options: [A, A]}\n',
            "Survey",
            "components[1](Q): Value error, two options have the same value",
        ),
        (
            "  - {name: F, type: form, text: F, fields: [{name: x, label: X, type: choice}]}\n",
            "Survey",
            "components[1](F).fields[0](x): Value error, a choice field needs at least one entry",
        ),
        (
            "  - {name: F, type: form, text: F, fields: [{name: x, label: X, type: stars}]}\n",
            "Survey",
            "components[1](F).fields[0](x).type: Input should be 'text', 'number', 'email', "
            "'rating' or 'choice'",
        ),
        (
            "  - {name: F, type: form, text: F, answer_window_hours: -1, "
            "fields: [{name: x, label: X}]}\n",
            "Survey",
            "components[1](F).answer_window_hours: Input should be greater than or equal to 0",
        ),
        (
            '  - {name: Survey, type: choices, text: "Again?", options: ["Yes"]}\n',
            "Survey",
            "components: 'Survey' appears twice",
        ),
        (
            "  - {name: Q, type: choices, text: Sure, options: [Yes, No]}\n",
            "Survey",
            "components[1](Q).options[0]: Value error, YAML reads an unquoted Yes",
        ),
        ("", "Nope", "auto_responses.end_conversation_component names an unknown component 'Nope'"),
    ],
)
def test_mistakes_name_the_file_the_path_and_the_problem(
    components: str, end: str, expected: str
) -> None:
    with pytest.raises(OrgFileError) as info:
        load(components, end)
    assert expected in str(info.value), str(info.value)
