"""The batch's outcomes are the single webhook's, event by event (a hypothesis property).

Two worlds built alike in one database (their own partner, users, merchants, offer, campaigns,
click and tiers): a generated list of events goes to one world one webhook at a time, and to the
other as one batch. Every event's status and error, every purchase, wallet, ledger entry, points
balance, tier and campaign budget must then be the same, up to the worlds' own ids.
"""

from __future__ import annotations

import io
import json
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from accounts.authentication import signature_header
from accounts.tests.factories import PartnerFactory, UserFactory
from campaigns.models import CampaignBudgetStripe
from campaigns.services import campaign_enroll
from campaigns.tests.factories import make_campaign
from clicks.models import Click
from loyalty.models import PointsAccount, Tier, UserLoyalty
from merchants.tests.factories import InactiveMerchantFactory
from offers.tests.factories import OfferFactory
from purchases.models import Purchase
from purchases.tests.conftest import WEBHOOK
from purchases.tests.test_batch import BATCH
from wallets.models import WalletEntry

USERS = 3  # user 0 starts Silver; user 1 is enrolled in the enrollment-only campaign
AMOUNTS = ["0.50", "12.00", "40.00", "150.00", "600.00", "900.00"]


def _post(partner, path: str, payload: Any):
    body = json.dumps(payload).encode()
    return APIClient().post(
        path,
        data=body,
        content_type="application/json",
        HTTP_X_PARTNER_KEY=partner.key,
        HTTP_X_SIGNATURE=signature_header(partner.secret, body),
    )


class World:
    """One copy of the scene; `label` maps its ids back to the names events are generated with."""

    def __init__(self) -> None:
        self.partner = PartnerFactory()
        self.users = [UserFactory() for _ in range(USERS)]
        self.inactive = UserFactory(is_active=False)
        self.offer = OfferFactory(monthly_cap_per_user=Decimal("70.00"), max_cashback_per_purchase=Decimal("50.00"))
        self.merchant = self.offer.merchant
        self.closed = InactiveMerchantFactory()
        merchants = [self.merchant.id]
        self.campaigns = [
            make_campaign(
                kind="bonus_fixed", value="5.00", budget="12.00", max_uses_per_user=2, merchant_ids=merchants
            ),
            make_campaign(
                kind="multiplier", value="2.00", budget="25.00", min_purchase_amount="100.00", merchant_ids=merchants
            ),
            make_campaign(kind="bonus_percent", value="20.00", requires_enrollment=True, merchant_ids=merchants),
        ]
        campaign_enroll(campaign_id=self.campaigns[2].id, user=self.users[1])
        UserLoyalty.objects.create(
            user=self.users[0], tier=Tier.objects.get(name="Silver"), qualifying_spend=Decimal("700.00")
        )
        now = timezone.now()
        self.click = Click.objects.create(
            user=self.users[2],
            merchant=self.merchant,
            offer=self.offer,
            expires_at=now + timedelta(days=30),
            client_hash="x",
        )
        self.labels = {str(u.id): f"user{i}" for i, u in enumerate(self.users)}
        self.labels |= {str(c.id): f"campaign{i}" for i, c in enumerate(self.campaigns)}
        self.labels |= {str(self.inactive.id): "inactive", str(self.merchant.id): "merchant"}
        self.labels |= {str(self.closed.id): "closed", str(self.offer.id): "offer", self.click.id: "click"}

    def body(self, event: dict[str, Any], now) -> dict[str, Any]:
        """The generated event in this world's ids."""
        kind = event["kind"]
        body: dict[str, Any] = {"event": f"purchase.{kind}", "external_id": event["external_id"]}
        if kind == "reversed":
            body["reason"] = "returned"
        if kind != "created":
            return body
        who = event["who"]
        if who == "click":
            body["click_id"] = self.click.id
        elif who == "lost click":
            body["click_id"] = "no-such-click-0000000000"
        else:
            body["user_id"] = {
                "inactive": str(self.inactive.id),
                "stranger": "00000000-0000-4000-8000-000000000001",
            }.get(who, str(self.users[who].id) if isinstance(who, int) else None)
        body["merchant_id"] = str(self.closed.id if event["closed"] else self.merchant.id)
        body["amount"] = event["amount"]
        body["currency"] = event["currency"]
        if event["minutes_ago"] is not None:
            body["purchased_at"] = (now - timedelta(minutes=event["minutes_ago"])).isoformat()
        if event["order"] is not None:
            body["order_reference"] = f"ref-{event['order']}"
        return body

    def label(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: self.label(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.label(v) for v in value]
        if isinstance(value, str) and value in self.labels:
            return self.labels[value]
        return value

    def result(self, status: int, body: dict[str, Any], external_ids: dict[str, str]) -> dict[str, Any]:
        """An answer without what differs by nature (ids, times), purchase ids as external ids."""
        if "error" in body:
            error = dict(body["error"])
            details = dict(error["details"])
            if details.get("purchase_id"):
                details["purchase_id"] = external_ids[details["purchase_id"]]
            details.pop("clicked_at", None), details.pop("expires_at", None)
            return {"status": status, "code": error["code"], "details": self.label(details)}
        purchase = {
            k: v
            for k, v in body["purchase"].items()
            if k not in ("id", "created_at", "confirmed_at", "reversed_at", "purchased_at", "merchant_name")
        }
        return {"status": status, "purchase": self.label(purchase)}

    def state(self) -> dict[str, Any]:
        """Purchases, ledgers, points, tiers and budgets, labelled."""
        purchases = {
            p.external_id: self.label(
                {
                    "user": str(p.user_id),
                    "status": p.status,
                    "amounts": [str(p.amount), str(p.cashback_amount), str(p.cashback_base), str(p.tier_bonus)],
                    "campaign": [str(p.campaign_bonus), str(p.campaign_id)],
                    "flags": [p.flagged, p.flag_reasons, p.settlement_requested],
                    "tier": p.cashback_terms["tier"]["name"],
                    "order": p.order_reference,
                    "click": p.click_id,
                }
            )
            for p in Purchase.objects.filter(partner=self.partner)
        }
        ledger = {
            self.labels[str(user.id)]: [
                (e.type, str(e.pending_delta), str(e.available_delta), str(e.pending_balance), str(e.available_balance))
                for e in WalletEntry.objects.filter(wallet__user=user).order_by("sequence")
            ]
            for user in self.users
        }
        # A row at its defaults is the same as none (a batch creates those of the users it confirms for first).
        points = {
            self.labels[str(a.user_id)]: a.balance
            for a in PointsAccount.objects.filter(user__in=self.users)
            if a.balance or a.debt or a.lifetime_earned
        }
        tiers = {
            self.labels[str(row.user_id)]: (row.tier.name, str(row.qualifying_spend))
            for row in UserLoyalty.objects.filter(user__in=self.users).select_related("tier")
            if row.qualifying_spend or row.tier.min_spend
        }
        budgets = [str(sum(s.spent for s in CampaignBudgetStripe.objects.filter(campaign=c))) for c in self.campaigns]
        return {"purchases": purchases, "ledger": ledger, "points": points, "tiers": tiers, "budgets": budgets}


EXTERNAL_IDS = [f"order-{n}" for n in range(10)]


def made(external_id: str, who: Any = 0, amount: str = "12.00", **overrides: Any) -> dict[str, Any]:
    base = {"closed": False, "currency": "EUR", "minutes_ago": None, "order": None}
    return {"kind": "created", "external_id": external_id, "who": who, "amount": amount} | base | overrides


def moved(kind: str, external_id: str) -> dict[str, Any]:
    return {"kind": kind, "external_id": external_id}


created = st.builds(
    made,
    external_id=st.sampled_from(EXTERNAL_IDS),
    who=st.sampled_from([0, 0, 0, 1, 1, 1, 2, "click", "lost click", "inactive", "stranger"]),
    amount=st.sampled_from(AMOUNTS),
    closed=st.sampled_from([False] * 9 + [True]),
    currency=st.sampled_from(["EUR"] * 19 + ["USD"]),
    minutes_ago=st.sampled_from([None, None, None, 5, 30, 90, 60 * 24 * 40, -60]),
    order=st.sampled_from([None, None, None, 1, 2]),
)
transition = st.builds(moved, st.sampled_from(["confirmed", "reversed"]), st.sampled_from(EXTERNAL_IDS))
event_lists = st.lists(st.one_of(created, created, transition), min_size=1, max_size=20)


@pytest.fixture
def fraud_rules(settings) -> None:
    settings.FRAUD_VELOCITY_LIMIT = "3/h"
    settings.FRAUD_REVIEW_AMOUNT = Decimal("800.00")


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(events=event_lists)
# A confirmation lifting the user to Silver before the user's next purchase.
@example(events=[made("order-0", 1, "600.00"), moved("confirmed", "order-0"), made("order-1", 1, "40.00")])
# max_uses_per_user reached inside the batch, the budget running out, a reversal giving both back.
@example(events=[made(f"order-{n}", n % 2) for n in range(4)] + [moved("reversed", "order-0"), made("order-5")])
# The monthly cap and the velocity count reached inside the batch; a reversal freeing the cap.
@example(
    events=[made(f"order-{n}", amount="150.00") for n in range(5)]
    + [moved("reversed", "order-1"), made("order-6", amount="150.00")]
)
# An order reference held, freed by a reversal, then taken again; a flagged purchase's confirmation.
@example(
    events=[
        made("order-0", order=1),
        made("order-1", order=1),
        moved("reversed", "order-0"),
        made("order-2", order=1),
        made("order-3", 2, "900.00"),
        moved("confirmed", "order-3"),
        moved("confirmed", "order-3"),
    ]
)
def test_a_batch_answers_and_books_as_its_events_one_by_one(fraud_rules, events):
    one_by_one, batched = World(), World()
    now = timezone.now()
    singles = []
    for event in events:
        response = _post(one_by_one.partner, WEBHOOK, one_by_one.body(event, now))
        singles.append((response.status_code, response.json()))
    response = _post(batched.partner, BATCH, {"events": [batched.body(event, now) for event in events]})
    assert response.status_code == 200, response.content
    batch = response.json()["results"]
    assert [r["index"] for r in batch] == list(range(len(events)))

    def external_ids(world: World) -> dict[str, str]:
        return {str(p.id): p.external_id for p in Purchase.objects.filter(partner=world.partner)}

    single_ids, batch_ids = external_ids(one_by_one), external_ids(batched)
    for event, (status, body), result in zip(events, singles, batch, strict=True):
        expected = one_by_one.result(status, body if status >= 400 else {"purchase": body}, single_ids)
        got = batched.result(result["status"], result, batch_ids)
        assert got == expected, json.dumps([event, got, expected], indent=1, default=str)
    assert batched.state() == one_by_one.state()
    call_command("verify_ledger", stdout=io.StringIO())


@pytest.mark.django_db
def test_verify_ledger_is_clean_after_batches(fraud_rules):
    world = World()
    now = timezone.now()
    events = [made(f"v-{n}", n % 3, AMOUNTS[n % 6]) for n in range(12)]
    events += [moved("confirmed" if n % 4 else "reversed", f"v-{n}") for n in range(0, 12, 2)]
    response = _post(world.partner, BATCH, {"events": [world.body(e, now) for e in events]})
    assert response.status_code == 200
    call_command("verify_ledger")
