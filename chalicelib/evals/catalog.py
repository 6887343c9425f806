"""The evaluators Cloudflare documents for AI Gateway evaluations: a fixed catalog."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CATALOG_DATE = "2024-10-29T00:00:00.000Z"
"""When these evaluators were defined: their created_at and modified_at."""


@dataclass(frozen=True)
class EvaluationType:
    """One evaluator, as `GET .../evaluation-types` lists it."""

    id: str
    name: str
    type: str
    description: str
    needs: str
    """What a log needs to count in this evaluator (said in each result's description)."""

    def to_api(self) -> dict[str, Any]:
        """The SDK's EvaluationTypeListResponse."""
        return {
            "id": self.id,
            "name": self.name,
            "type": self.type,
            "description": self.description,
            "enable": True,
            "mandatory": False,
            "created_at": CATALOG_DATE,
            "modified_at": CATALOG_DATE,
        }


COST = EvaluationType(
    id="cost",
    name="Cost",
    type="cost",
    description=(
        "Average and total cost (USD) of the dataset's requests, over the logs whose cost is known."
    ),
    needs="a known cost",
)
SPEED = EvaluationType(
    id="speed",
    name="Speed",
    type="speed",
    description=(
        "Average duration (ms) of the dataset's requests, with its median, 90th, 95th and "
        "99th percentiles (nearest rank), minimum and maximum."
    ),
    needs="a duration",
)
HUMAN_FEEDBACK = EvaluationType(
    id="human-feedback",
    name="Human feedback",
    type="performance",
    description=(
        "Share of thumbs up (feedback 1) among the dataset's logs that have feedback "
        "(1 or -1; 0 is not rated), in percent."
    ),
    needs="feedback (1 or -1)",
)
EVALUATION_TYPES: tuple[EvaluationType, ...] = (COST, SPEED, HUMAN_FEEDBACK)
BY_ID = {kind.id: kind for kind in EVALUATION_TYPES}
