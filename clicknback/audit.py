"""The audit trail's one writer. Services call `audit_record` inside the transaction of the change it
describes, so a change and its row commit together or not at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import QuerySet

from clicknback.actors import Actor, ActorKind
from clicknback.events import json_safe
from clicknback.models import AuditAction, AuditLogEntry

PEOPLE = (ActorKind.ADMIN, ActorKind.USER)


def audit_record(
    *, actor: Actor, action: AuditAction, obj: models.Model, changes: Mapping[str, tuple[Any, Any]]
) -> AuditLogEntry:
    """One row: `actor` did `action` to `obj`, `changes` being `{field: (before, after)}` (no secrets)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record runs inside the transaction of the change it records.")
    return AuditLogEntry.objects.create(
        **actor.audit_fields(),
        actor_user_id=actor.id if actor.kind in PEOPLE else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj)[: AuditLogEntry._meta.get_field("object_repr").max_length],
        changes={field: [json_safe(before), json_safe(after)] for field, (before, after) in changes.items()},
    )


def apply_changes(
    obj: models.Model, changes: Mapping[str, Any], *, updatable: frozenset[str]
) -> dict[str, tuple[Any, Any]]:
    """Set on `obj` each of `changes` that differs from its value, and return those as
    `{field: (before, after)}`: what an update service saves and hands to `audit_record`.
    A field outside `updatable` is a programming error, not bad input."""
    unknown = set(changes) - updatable
    if unknown:
        raise TypeError(f"{type(obj).__name__} cannot be updated in {sorted(unknown)}")
    changed = {field: (getattr(obj, field), value) for field, value in changes.items() if getattr(obj, field) != value}
    for field, (_, value) in changed.items():
        setattr(obj, field, value)
    return changed


def initial_values(obj: models.Model, fields: Iterable[str]) -> dict[str, tuple[None, Any]]:
    """The `changes` of a creation: each field from nothing to its first value."""
    return {field: (None, getattr(obj, field)) for field in fields}


def audit_entries_of(*, model: type[models.Model], object_id: Any) -> QuerySet[AuditLogEntry]:
    """The audit rows of one object, newest first (index content_type, object_id, -id)."""
    content_type = ContentType.objects.get_for_model(model)
    return AuditLogEntry.objects.filter(content_type=content_type, object_id=str(object_id)).order_by("-id")
