"""Stored results, parsed once per process (a stored result never changes)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from midstance.core.findings import headline
from midstance.core.result import Result, result_from_dict


@lru_cache(maxsize=256)
def parsed(result_id: str, result_json: str) -> Result:
    return result_from_dict(json.loads(result_json))


@lru_cache(maxsize=256)
def as_dict(result_id: str, result_json: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result_json)
    return data


def headlines(result_id: str, result_json: str) -> dict[str, str]:
    return headline(parsed(result_id, result_json).summary)
