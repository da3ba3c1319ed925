"""CSV exports of the purchases, payouts, ledger and points lists: streamed, as the list is filtered."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import time_machine
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from clicknback import admin_tools
from clicknback.actors import Actor
from purchases.services import purchase_confirm, purchase_reverse
from tests.admin.conftest import AdminClient, staff_member

pytestmark = pytest.mark.django_db
STAFF = Actor.job("test")

LISTS = ["purchases_purchase", "payouts_payout", "wallets_walletentry", "loyalty_pointsentry"]


def export_url(model: str) -> str:
    return reverse(f"admin:{model}_export")


def rows_of(response) -> list[dict[str, str]]:
    assert isinstance(response, StreamingHttpResponse) and response.streaming
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def activity(ingest, make_payout):
    with time_machine.travel(timezone.now() - timedelta(days=10), tick=True):
        old = ingest("50.00")
        purchase_confirm(purchase_id=old.id, actor=STAFF)
    kept, reversed_ = ingest("100.00"), ingest("200.00")
    purchase_confirm(purchase_id=kept.id, actor=STAFF)
    purchase_reverse(purchase_id=reversed_.id, reason="returned", actor=STAFF)
    make_payout(UserFactory(), "30.00")
    return {"old": old, "kept": kept, "reversed": reversed_}


@pytest.mark.parametrize("model", LISTS)
def test_each_list_links_its_export_and_streams_every_row(as_support, activity, model):
    page = as_support.get(reverse(f"admin:{model}_changelist")).content.decode()
    assert 'id="csv-export"' in page and "export.csv?" in page
    rows = rows_of(as_support.get(export_url(model)))
    assert rows and "id" in rows[0]


def test_the_export_respects_the_lists_filters(as_support, activity):
    rows = rows_of(as_support.get(export_url("purchases_purchase"), data={"status__exact": "reversed"}))
    assert [row["id"] for row in rows] == [str(activity["reversed"].id)]
    today = timezone.now().date().isoformat()
    recent = rows_of(as_support.get(export_url("purchases_purchase"), data={"created_at__since": today}))
    assert {row["id"] for row in recent} == {str(activity["kept"].id), str(activity["reversed"].id)}


def test_the_points_list_has_a_date_range_filter(as_support, activity):
    today = timezone.now().date().isoformat()
    page = as_support.get(reverse("admin:loyalty_pointsentry_changelist"), data={"created_at__since": today})
    assert page.status_code == 200 and "created_at__since" in page.content.decode()
    rows = rows_of(as_support.get(export_url("loyalty_pointsentry"), data={"created_at__since": today}))
    assert [(row["type"], row["points_delta"]) for row in rows] == [("earned", "100")]


def test_the_export_is_streamed_in_chunks_not_built_in_memory(as_support, activity, monkeypatch):
    monkeypatch.setattr(admin_tools, "CSV_CHUNK_SIZE", 1)
    response = as_support.get(export_url("wallets_walletentry"))
    chunks = list(response.streaming_content)
    assert len(chunks) == 1 + len(rows_of(as_support.get(export_url("wallets_walletentry"))))  # header + a line each
    assert chunks[0].decode().startswith("id,user_email,sequence,type")


def test_staff_without_the_view_permission_may_not_export(activity):
    response = AdminClient(staff_member()).get(export_url("purchases_purchase"))
    assert response.status_code == 403


def test_money_in_the_export_is_two_decimals(as_finance, activity):
    rows = rows_of(as_finance.get(export_url("payouts_payout")))
    assert rows[0]["amount"] == "30.00"
