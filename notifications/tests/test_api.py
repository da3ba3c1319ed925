from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from clicknback.testing import error_code
from notifications.models import Notification
from notifications.services import notification_create
from tests.contract import NOTIFICATION_FIELDS

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications"


def notify(user, kind: str = "payout.completed") -> Notification:
    data = {"user_id": str(user.id), "amount": "20.00", "currency": "EUR", "destination": "DE89 **** 3000"}
    with transaction.atomic():
        return notification_create(user_id=user.id, kind=kind, event_id=str(uuid.uuid4()), data=data)


def test_the_list_is_the_callers_newest_first_with_an_unread_filter(user_client, user, other_user):
    older, newer = notify(user), notify(user, "payout.failed")
    notify(other_user)
    Notification.objects.filter(pk=older.pk).update(read_at=newer.created_at)
    page = user_client.get(URL).json()
    assert page["count"] == 2
    assert [n["id"] for n in page["results"]] == [str(newer.id), str(older.id)]
    assert set(page["results"][0]) == NOTIFICATION_FIELDS
    assert page["results"][0]["title"] == "Your payout of 20.00 EUR failed"
    assert [n["id"] for n in user_client.get(f"{URL}?unread=true").json()["results"]] == [str(newer.id)]
    assert user_client.get(f"{URL}?limit=1&offset=1").json()["results"][0]["id"] == str(older.id)


def test_the_owner_marks_one_read_and_anyone_else_gets_404(user_client, other_client, user):
    note = notify(user)
    assert error_code(other_client.post(f"{URL}/{note.id}/read")) == "NOT_FOUND"
    response = user_client.post(f"{URL}/{note.id}/read")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert user_client.post(f"{URL}/{note.id}/read/").json()["read_at"] == response.json()["read_at"]


def test_read_all_marks_every_one_of_the_callers_notifications(user_client, user, other_user):
    notify(user), notify(user, "payout.failed")
    other = notify(other_user)
    response = user_client.post(f"{URL}/read-all")
    assert response.status_code == 204
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_notifications_need_a_signed_in_caller(api_client):
    assert api_client.get(URL).status_code == 401
