"""Notifications: the unread count in the header, the list, marking read (with and without htmx)."""

from __future__ import annotations

import pytest

from notifications.models import Notification
from notifications.tests.test_api import notify

pytestmark = pytest.mark.django_db


def test_the_header_counts_the_unread(member, user, other_user):
    notify(user)
    notify(user, "payout.failed")
    notify(other_user)
    html = member.get("/").content.decode()
    assert '<span class="badge"><span class="visually-hidden">(</span>2<' in html


def test_the_list_and_mark_one_read(member, user):
    first, second = notify(user), notify(user, "payout.failed")
    response = member.get("/notifications/")
    assert [n.id for n in response.context["notifications"]] == [second.id, first.id]
    assert member.post(f"/notifications/{first.id}/read/")["Location"] == "/notifications/"
    first.refresh_from_db()
    assert first.read_at is not None
    assert [n.id for n in member.get("/notifications/?unread=true").context["notifications"]] == [second.id]


def test_htmx_gets_only_the_line_back(member, user):
    notification = notify(user)
    response = member.post(f"/notifications/{notification.id}/read/", HTTP_HX_REQUEST="true")
    html = response.content.decode()
    assert html.lstrip().startswith(f'<li class="card notification" id="n-{notification.id}"')
    assert "Mark as read" not in html


def test_mark_all_read(member, user, other_user):
    notify(user)
    notify(user)
    theirs = notify(other_user)
    member.post("/notifications/read-all/")
    assert not Notification.objects.filter(user=user, read_at=None).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_members_notification_is_not_found_and_untouched(member, other_member, user):
    notification = notify(user)
    assert other_member.post(f"/notifications/{notification.id}/read/").status_code == 404
    assert list(other_member.get("/notifications/").context["notifications"]) == []
    notification.refresh_from_db()
    assert notification.read_at is None


def test_marking_read_needs_a_post_and_the_csrf_token(member, user):
    notification = notify(user)
    assert member.get(f"/notifications/{notification.id}/read/").status_code == 405
    assert member.post(f"/notifications/{notification.id}/read/", csrf=False).status_code == 403
    notification.refresh_from_db()
    assert notification.read_at is None
