"""The customer 360 page: one user's figures, and notes staff leave on it."""

from __future__ import annotations

from django.urls import reverse

from backoffice.customers import CustomerPanel, _panels, register_customer_panel
from backoffice.models import StaffNote
from tests.admin.conftest import changelist, messages_of


def customer_page(user) -> str:
    return reverse("admin:backoffice_customer_change", args=[user.pk])


def test_the_page_shows_balances_purchases_payouts_and_flags(as_support, ingest, make_payout, user):
    ingest("100.00")
    flagged = ingest("1500.00")
    make_payout(user, "1234.50")
    html = as_support.get(customer_page(user)).content.decode()
    assert user.email in html
    assert 'id="balance-paid">Paid<div style="font-size:1.5em">€1,234.50<' in html
    assert html.count(flagged.external_id) == 2  # in the flags and in the last purchases
    assert "€1,500.00" in html


def test_every_email_in_the_lists_leads_to_the_customer_page(as_support, ingest, user):
    ingest("1500.00")
    for screen in ("backoffice_flaggedpurchase", "purchases_purchase"):
        assert f'href="{customer_page(user)}"' in as_support.get(changelist(screen)).content.decode()


def test_staff_add_a_note_with_their_name_and_the_time(as_support, support, user):
    as_support.get(customer_page(user))
    response = as_support.post(reverse("admin:backoffice_customer_note", args=[user.pk]), {"text": " Called: ok "})
    assert messages_of(response) == [("success", "Note added.")]
    note = StaffNote.objects.get(customer=user)
    assert (note.author, note.text) == (support, "Called: ok")
    assert "Called: ok" in response.content.decode() and support.email in response.content.decode()


def test_a_blank_note_adds_nothing(as_support, user):
    as_support.get(customer_page(user))
    response = as_support.post(reverse("admin:backoffice_customer_note", args=[user.pk]), {"text": "   "})
    assert messages_of(response) == [("error", "Write the note first: nothing was added.")]
    assert not StaffNote.objects.exists()


def test_other_apps_add_panels_to_the_page(as_support, user):
    def points(customer):
        return CustomerPanel("Points and tier", "<p>120 points, silver</p>")

    register_customer_panel(points)
    try:
        assert "120 points, silver" in as_support.get(customer_page(user)).content.decode()
    finally:
        _panels.remove(points)
