"""Reading an org file, with errors that name the file, the path inside it and the problem."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from livedesk.setup.schemas import OrgFile


class OrgFileError(Exception):
    """An org file that cannot be used; the message says where and why."""


def load_org_file(path: Path) -> OrgFile:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise OrgFileError(f"{path}: cannot read the file: {exc.strerror}") from exc
    org = parse_org_text(text, str(path))
    return _with_key_files(org, path)


def _with_key_files(org: OrgFile, path: Path) -> OrgFile:
    """Read the PEM files that keysets name (relative to the org file) into `public_key`."""
    for i, deployment in enumerate(org.deployments):
        for j, keyset in enumerate(deployment.user_verification.keysets):
            if keyset.public_key_file is None:
                continue
            key_path = path.parent / keyset.public_key_file
            where = f"deployments[{i}]({deployment.developer_name}).user_verification.keysets[{j}]"
            try:
                keyset.public_key = key_path.read_text()
            except OSError as exc:
                raise OrgFileError(
                    f"{path}: {where}: cannot read {key_path}: {exc.strerror}"
                ) from None
            keyset.public_key_file = None
    return org


def load_demo_org() -> OrgFile:
    text = resources.files("livedesk.setup").joinpath("demo.yaml").read_text(encoding="utf-8")
    return parse_org_text(text, "demo.yaml")


def parse_org_text(text: str, source: str) -> OrgFile:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise OrgFileError(f"{source}{where}: not valid YAML: {problem}") from exc
    if not isinstance(data, dict):
        raise OrgFileError(f"{source}: the top level must be a mapping with an `org` key")
    try:
        return OrgFile.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: {len(exc.errors())} problem(s):"]
        for err in exc.errors():
            lines.append(f"  {source}: {_path(err['loc'], data)}: {err['msg']}")
        raise OrgFileError("\n".join(lines)) from exc


def _path(loc: tuple[int | str, ...], data: object) -> str:
    """`deployments[0](Web_Chat).customer_inactivity_minutes` from a pydantic location."""
    parts: list[str] = []
    node: object = data
    for item in loc:
        if isinstance(item, int):
            label = ""
            if isinstance(node, list) and 0 <= item < len(node):
                node = node[item]
                if isinstance(node, dict):
                    name = node.get("developer_name") or node.get("name") or node.get("username")
                    label = f"({name})" if name else ""
            else:
                node = None
            parts.append(f"[{item}]{label}")
        else:
            node = node.get(item) if isinstance(node, dict) else None
            parts.append(("." if parts else "") + item)
    return "".join(parts) or "(top level)"
