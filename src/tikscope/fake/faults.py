"""Faults the fake server can inject, switched on at start or at run time.

Counted faults fire on every Nth *API request* (Business, Display and Research data endpoints;
not the OAuth endpoints, the authorize page or `/_fake/` control calls), counting from the moment
the fault was switched on, so a test knows exactly which request fails:

- `rate-limit:N`: throttled (Business: HTTP 200, code 40100; v2: HTTP 429 `rate_limit_exceeded`).
- `server-error:N`: HTTP 500, then 503, then 500... (alternating per failure).
- `truncated:N`: the JSON body is cut in half (HTTP 200).
- `slow:S`: every request (OAuth included) waits S seconds first.
- `expire-tokens`: every access token issued so far stops working, once (refresh still works).
- `revoke-refresh`: refreshing fails (Business 40105, v2 `invalid_grant`): re-authorization needed.
- `quota:N`: after N Research API requests in a UTC day (fake clock), HTTP 429
  `daily_quota_limit_exceeded`.

When several fire on one request, server-error wins over rate-limit, which wins over quota;
truncation only cuts answers that no other fault replaced.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Literal

from tikscope.errors import UsageError

COUNTED = ("rate-limit", "server-error", "truncated")
FAULT_NAMES = (*COUNTED, "slow", "expire-tokens", "revoke-refresh", "quota")
TAKES_COUNT = (*COUNTED, "quota")
TAKES_NOTHING = ("expire-tokens", "revoke-refresh")
Failure = Literal["server-error", "rate-limit", "quota"]


@dataclass(frozen=True)
class Fault:
    """One switched-on fault: a name from `FAULT_NAMES` and its number (N or seconds)."""

    name: str
    value: float = 0.0

    def __str__(self) -> str:
        """The fault as written on the command line, e.g. `rate-limit:3`."""
        if self.name in TAKES_NOTHING:
            return self.name
        return f"{self.name}:{self.value:g}"


@dataclass(frozen=True)
class Verdict:
    """What the faults do to one request."""

    delay: float = 0.0
    failure: Failure | None = None
    status: int = 200
    truncate: bool = False


def parse_fault(text: str) -> Fault:
    """A fault from `NAME[:N]`.

    Raises:
        UsageError: unknown name, or a missing or bad number.
    """
    name, _, number = text.strip().partition(":")
    if name not in FAULT_NAMES:
        raise UsageError(f"unknown fault {name!r}; known: {', '.join(FAULT_NAMES)}")
    if name in TAKES_NOTHING:
        if number:
            raise UsageError(f"fault {name!r} takes no number, got {text!r}")
        return Fault(name)
    try:
        value = float(number) if name == "slow" else int(number)
    except ValueError:
        raise UsageError(f"fault {text!r} needs a number: {name}:N") from None
    if value < (0 if name in ("slow", "quota") else 1):
        raise UsageError(f"fault {text!r}: the number is too small")
    return Fault(name, float(value))


def parse_faults(texts: list[str] | tuple[str, ...]) -> tuple[Fault, ...]:
    """Faults from their command-line spellings; a name given twice keeps the last."""
    faults = {fault.name: fault for fault in map(parse_fault, texts)}
    return tuple(faults.values())


class FaultBoard:
    """The faults on now, their counters, and what they served."""

    def __init__(self, faults: tuple[Fault, ...] = ()) -> None:
        """Switch `faults` on."""
        self.served: Counter[str] = Counter()
        self.switch(faults)

    def switch(self, faults: tuple[Fault, ...]) -> None:
        """Replace the faults on; counters restart from zero."""
        self.active = {fault.name: fault for fault in faults}
        self.seen: Counter[str] = Counter()
        self.quota_day: date | None = None
        self.quota_used = 0

    def is_on(self, name: str) -> bool:
        """Whether the fault `name` is switched on."""
        return name in self.active

    def describe(self) -> list[str]:
        """The faults on, as `NAME[:N]` strings."""
        return [str(fault) for fault in self.active.values()]

    def note(self, name: str) -> None:
        """Count one more answer changed by fault `name`."""
        self.served[name] += 1

    def judge(self, *, is_api: bool, is_research: bool, day: date) -> Verdict:
        """Count one request and say which fault, if any, it meets."""
        delay = self.active["slow"].value if "slow" in self.active else 0.0
        if delay:
            self.note("slow")
        if not is_api:
            return Verdict(delay=delay)
        due = set()
        for name in COUNTED:
            if name in self.active:
                self.seen[name] += 1
                if self.seen[name] % int(self.active[name].value) == 0:
                    due.add(name)
        if "server-error" in due:
            self.note("server-error")
            self.seen["server-errors-served"] += 1
            status = 503 if self.seen["server-errors-served"] % 2 == 0 else 500
            return Verdict(delay=delay, failure="server-error", status=status)
        if "rate-limit" in due:
            self.note("rate-limit")
            return Verdict(delay=delay, failure="rate-limit")
        if is_research and self.over_quota(day):
            self.note("quota")
            return Verdict(delay=delay, failure="quota")
        if "truncated" in due:
            self.note("truncated")
        return Verdict(delay=delay, truncate="truncated" in due)

    def over_quota(self, day: date) -> bool:
        """Count one Research request against the daily quota; True once it is used up."""
        if "quota" not in self.active:
            return False
        if day != self.quota_day:
            self.quota_day, self.quota_used = day, 0
        self.quota_used += 1
        return self.quota_used > int(self.active["quota"].value)
