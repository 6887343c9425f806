"""What the native request builders share: consecutive turns of one role merged into one
message, as Anthropic (`content` blocks) and Gemini (`parts`) both expect."""

from __future__ import annotations

from typing import Any


def append_turn(
    messages: list[dict[str, Any]], role: str, key: str, items: list[dict[str, Any]]
) -> None:
    """Add `items` to `messages` as a message of `role` holding them under `key`, merged into
    the last message when it has the same role; nothing when `items` is empty."""
    if not items:
        return
    if messages and messages[-1]["role"] == role:
        messages[-1][key].extend(items)
    else:
        messages.append({"role": role, key: items})
