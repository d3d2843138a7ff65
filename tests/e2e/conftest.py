from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.e2e.browser import launched


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    async for instance in launched():
        yield instance
