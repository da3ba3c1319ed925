"""Accounts: users who log in with their email, and partners who sign webhooks."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    USER = "user", "User"
    ADMIN = "admin", "Admin"


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An email is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username)


class User(AbstractBaseUser, PermissionsMixin):
    """A person. `admin` role means staff: the admin site and the admin API endpoints."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    email = models.EmailField(max_length=254, unique=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self) -> str:
        return self.email

    @property
    def role(self) -> str:
        return Role.ADMIN if self.is_staff else Role.USER


def new_partner_key() -> str:
    return f"pk_{secrets.token_hex(16)}"


def new_partner_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class Partner(models.Model):
    """An affiliate network or merchant system. `key` is public; `secret` signs its webhooks.

    The secret is stored as issued because HMAC verification needs it; it is shown exactly once,
    when the partner is created or its secret rotated, and never in any list or log.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=200)
    key = models.CharField(max_length=64, unique=True, default=new_partner_key, editable=False)
    secret = models.CharField(max_length=128, default=new_partner_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class WebhookOutcome(models.TextChoices):
    """How one partner webhook ended, as partner health counts it."""

    CREATED = "created", "created"
    UPDATED = "updated", "confirmed or reversed"
    DUPLICATE = "duplicate", "duplicate"
    REJECTED = "rejected", "rejected"
    SIGNATURE_FAILURE = "signature_failure", "signature failure"


class PartnerWebhookDay(models.Model):
    """One partner's webhooks of one UTC day with one outcome (and code): a counter, upserted by
    `accounts.services.webhook_count` in one statement per webhook.

    `code` is the error code of a rejection or the reason of a signature failure (`wrong_signature`,
    `stale_timestamp`...). Signature failures are counted on the partner whose key was presented,
    active or not; a key no partner has is counted with no partner (one row a day per reason, whatever
    the keys sent, so garbage cannot grow the table)."""

    partner = models.ForeignKey(Partner, null=True, blank=True, on_delete=models.PROTECT, related_name="webhook_days")
    day = models.DateField()
    outcome = models.CharField(max_length=32, choices=WebhookOutcome.choices)
    code = models.CharField(max_length=64, blank=True, default="")
    count = models.PositiveIntegerField(default=1)
    last_at = models.DateTimeField()

    class Meta:
        ordering = ["-day", "outcome", "code"]
        verbose_name = "partner webhook day"
        constraints = [
            models.UniqueConstraint(
                fields=["partner", "day", "outcome", "code"],
                nulls_distinct=False,
                name="partnerwebhookday_partner_day_outcome_code_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome__in=WebhookOutcome.values), name="partnerwebhookday_outcome_valid"
            ),
            models.CheckConstraint(condition=models.Q(count__gte=1), name="partnerwebhookday_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.partner or 'unknown key'} {self.day} {self.outcome} {self.code}".strip()
