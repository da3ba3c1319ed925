"""Who caused a change: recorded with every state change and in every financial log line."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ActorKind(StrEnum):
    PARTNER = "partner"
    ADMIN = "admin"
    USER = "user"
    JOB = "job"


@dataclass(frozen=True)
class Actor:
    kind: ActorKind
    id: str = ""  # user id or partner id; empty for the job
    label: str = ""  # email, partner name or job name, for people reading the audit trail

    @classmethod
    def for_user(cls, user: Any) -> Actor:
        kind = ActorKind.ADMIN if user.is_staff else ActorKind.USER
        return cls(kind, str(user.pk), user.email)

    @classmethod
    def for_partner(cls, partner: Any) -> Actor:
        return cls(ActorKind.PARTNER, str(partner.pk), partner.name)

    @classmethod
    def job(cls, name: str) -> Actor:
        return cls(ActorKind.JOB, "", name)

    def __str__(self) -> str:
        return f"{self.kind}:{self.label or self.id}"

    def audit_fields(self) -> dict[str, str]:
        """The `actor_kind`, `actor_id` and `actor_label` columns every audit table has."""
        return {"actor_kind": str(self.kind), "actor_id": self.id, "actor_label": self.label[:254]}
