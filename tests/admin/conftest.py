"""Staff members of each kind, a CSRF-enforcing admin client, and payouts made through the real
services (purchases: the root conftest's `ingest`)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from accounts.models import User
from accounts.tests.factories import UserFactory
from backoffice.groups import FINANCE, SUPPORT
from payouts.models import Payout
from payouts.services import payout_request
from wallets.tests.helpers import fund_wallet

IBAN = "DE89370400440532013000"


class AdminClient:
    """The Django test client with CSRF checks on, as a browser would use the admin: every POST
    carries the csrftoken cookie obtained from a page."""

    def __init__(self, user: User) -> None:
        self.user = user
        self.client = Client(enforce_csrf_checks=True)
        self.client.force_login(user)

    def get(self, path: str, **extra: Any):
        return self.client.get(path, **extra)

    def post(self, path: str, data: dict[str, Any], *, follow: bool = True):
        if "csrftoken" not in self.client.cookies:
            self.client.get(path)
        token = self.client.cookies["csrftoken"].value
        return self.client.post(path, {**data, "csrfmiddlewaretoken": token}, follow=follow)

    def action(self, changelist: str, action: str, objects: list[Any], **data: Any):
        """Select rows on the changelist (fetched first, as a browser would) and run an action."""
        page = self.client.get(changelist)
        assert page.status_code == 200
        return self.post(changelist, {"action": action, "_selected_action": [str(o.pk) for o in objects], **data})


def messages_of(response) -> list[tuple[str, str]]:
    return [(m.level_tag, str(m)) for m in response.context["messages"]]


def message_texts(response) -> list[str]:
    """The messages of a response that was not followed (no context)."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def staff_member(*groups: str, email: str | None = None) -> User:
    fields = {"is_staff": True} | ({"email": email} if email else {})
    user = UserFactory(**fields)
    user.groups.set(Group.objects.filter(name__in=groups))
    return user


@pytest.fixture
def staff(client: Client, admin_user: User) -> Client:
    """Django's test client signed in as a superuser, without CSRF checks."""
    client.force_login(admin_user)
    return client


@pytest.fixture
def superuser(db: None) -> User:
    return UserFactory(is_staff=True, is_superuser=True, email="boss@example.com")


@pytest.fixture
def support(db: None) -> User:
    return staff_member(SUPPORT, email="support@example.com")


@pytest.fixture
def finance(db: None) -> User:
    return staff_member(FINANCE, email="finance@example.com")


@pytest.fixture
def as_superuser(superuser: User) -> AdminClient:
    return AdminClient(superuser)


@pytest.fixture
def as_support(support: User) -> AdminClient:
    return AdminClient(support)


@pytest.fixture
def as_finance(finance: User) -> AdminClient:
    return AdminClient(finance)


@pytest.fixture
def make_payout() -> Callable[..., Payout]:
    """Fund the user's wallet and request a payout through the service."""

    def make(user: User, amount: str = "20.00", destination: str = IBAN, method: str = "bank_transfer") -> Payout:
        fund_wallet(user, Decimal(amount))
        return payout_request(user=user, amount=Decimal(amount), method=method, destination=destination)

    return make


def changelist(model: str) -> str:
    return reverse(f"admin:{model}_changelist")
