"""Merchants: the shops where users earn cashback."""

from __future__ import annotations

import uuid

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

CLICK_ID_PLACEHOLDER = "{click_id}"


def validate_tracking_url(value: str) -> None:
    """An `https` address with `{click_id}` in it, where a click sends the user."""
    URLValidator(schemes=["https"], message="Enter a valid https URL.")(value.replace(CLICK_ID_PLACEHOLDER, "x"))
    if CLICK_ID_PLACEHOLDER not in value:
        raise ValidationError(f"Must contain {CLICK_ID_PLACEHOLDER}.")


class MerchantStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"


class Merchant(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    website = models.URLField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=16, choices=MerchantStatus.choices, default=MerchantStatus.ACTIVE)
    # Settlement delay: how long a purchase stays pending before it may be confirmed automatically.
    confirmation_days = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(365)])
    # Where a click sends the user (admins only): `{click_id}` is replaced by the click's id.
    tracking_url = models.CharField(max_length=500, blank=True, default="", validators=[validate_tracking_url])
    # What the shop sells ("Electronics"), for the member site's filter; none until staff set one.
    category = models.CharField(max_length=64, null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="merchant_name_ci_unique",
                violation_error_message="A merchant with this name exists.",
            ),
            models.CheckConstraint(
                condition=Q(confirmation_days__gte=0, confirmation_days__lte=365),
                name="merchant_confirmation_days_range",
            ),
            models.CheckConstraint(condition=Q(status__in=MerchantStatus.values), name="merchant_status_valid"),
            # No category is NULL, never an empty string: one spelling of "none".
            models.CheckConstraint(
                condition=Q(category__isnull=True) | ~Q(category=""), name="merchant_category_not_blank"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == MerchantStatus.ACTIVE
