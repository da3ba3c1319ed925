from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission

from accounts.models import User
from accounts.tests.factories import UserFactory
from clicknback.testing import bearer_client


def support_staff() -> User:
    """A staff account holding what the support group holds for claims (view and review)."""
    staff = UserFactory(is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label="claims", codename__in=["view_claim", "view_openclaim", "review_claim"]
        )
    )
    return staff


@pytest.fixture
def support_client(db: None):
    return bearer_client(support_staff())
