"""Writes on merchants. The case-insensitive name uniqueness is the database's job, not an exists() check."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import ValidationError

from clicknback.actors import Actor
from clicknback.audit import apply_changes, audit_record, initial_values
from clicknback.errors import MerchantNameTaken
from clicknback.events import record_event
from clicknback.integrity import violated_constraint
from clicknback.models import AuditAction
from clicknback.readcache import OFFER_CATALOGUE, read_cache_invalidate
from merchants.models import Merchant, MerchantStatus, validate_tracking_url

NAME_CONSTRAINT = "merchant_name_ci_unique"
UPDATABLE_FIELDS = frozenset({"name", "website", "status", "confirmation_days", "tracking_url", "category"})
# An update that changes the status is recorded as what it does to the merchant.
STATUS_ACTIONS = {
    MerchantStatus.ACTIVE: AuditAction.MERCHANT_ACTIVATED,
    MerchantStatus.INACTIVE: AuditAction.MERCHANT_DEACTIVATED,
}


def _save(merchant: Merchant, **kwargs: Any) -> None:
    """Save in a savepoint, so a taken name becomes MERCHANT_NAME_TAKEN and leaves any outer transaction usable."""
    try:
        with transaction.atomic():
            merchant.save(**kwargs)
    except IntegrityError as exc:
        if violated_constraint(exc) == NAME_CONSTRAINT:
            raise MerchantNameTaken(name=merchant.name) from exc
        raise


def _check_tracking_url(tracking_url: str) -> None:
    """Every caller, not only the API's serializer and the admin's form, gets the rule."""
    if tracking_url:
        try:
            validate_tracking_url(tracking_url)
        except DjangoValidationError as exc:
            raise ValidationError({"tracking_url": exc.messages}) from exc


def _category(value: str | None) -> str | None:
    """Trimmed; blank is no category (NULL)."""
    return (value or "").strip() or None


@transaction.atomic
def merchant_create(
    *,
    name: str,
    website: str = "",
    confirmation_days: int = 30,
    tracking_url: str = "",
    category: str | None = None,
    actor: Actor,
) -> Merchant:
    _check_tracking_url(tracking_url)
    merchant = Merchant(
        name=name.strip(),
        website=website or "",
        confirmation_days=confirmation_days,
        tracking_url=tracking_url,
        category=_category(category),
    )
    _save(merchant, force_insert=True)
    audit_record(
        actor=actor,
        action=AuditAction.MERCHANT_CREATED,
        obj=merchant,
        changes=initial_values(
            merchant, ["name", "website", "status", "confirmation_days", *(["category"] if merchant.category else [])]
        ),
    )
    record_event("merchant.created", merchant_id=merchant.id, name=merchant.name, actor=actor)
    return merchant


@transaction.atomic
def merchant_update(*, merchant: Merchant, actor: Actor, **changes: Any) -> Merchant:
    """Apply `changes` (any of name, website, status, confirmation_days, tracking_url, category) to the locked row."""
    _check_tracking_url(changes.get("tracking_url", ""))
    if "category" in changes:
        changes["category"] = _category(changes["category"])
    if "name" in changes:
        changes["name"] = changes["name"].strip()
    if "website" in changes:
        changes["website"] = changes["website"] or ""
    locked = Merchant.objects.select_for_update().get(pk=merchant.pk)
    changed = apply_changes(locked, changes, updatable=UPDATABLE_FIELDS)
    if not changed:
        return locked
    _save(locked, update_fields=[*changed, "updated_at"])
    status_action = STATUS_ACTIONS.get(locked.status) if "status" in changed else None
    audit_record(actor=actor, action=status_action or AuditAction.MERCHANT_UPDATED, obj=locked, changes=changed)
    record_event("merchant.updated", merchant_id=locked.id, changed=sorted(changed), actor=actor)
    read_cache_invalidate(OFFER_CATALOGUE)  # the catalogue shows the merchant's name and hides inactive ones
    return locked
