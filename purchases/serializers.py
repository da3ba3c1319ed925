"""The HTTP edge of purchases: what the webhook and the API accept, and the purchase they render."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clicknback.dates import SupportedDateTimeField
from clicknback.money import MoneyField
from clicknback.representation import datetime_text, money_text, optional, uuid_text
from clicks.models import CLICK_ID_MAX_LENGTH
from loyalty.services import points_for
from purchases.models import Purchase, PurchaseStatus

ORDER_REFERENCE_MAX = Purchase._meta.get_field("order_reference").max_length

EVENT_CREATED = "purchase.created"
EVENT_CONFIRMED = "purchase.confirmed"
EVENT_REVERSED = "purchase.reversed"
CREATED_FIELDS = ("merchant_id", "amount", "currency")


class CashbackBreakdownSerializer(serializers.Serializer):
    base = MoneyField(read_only=True)
    tier_bonus = MoneyField(read_only=True)
    campaign_bonus = MoneyField(read_only=True)
    campaign_id = serializers.UUIDField(read_only=True, allow_null=True)
    tier = serializers.CharField(read_only=True, allow_null=True, help_text="The tier's name at ingestion.")


def breakdown_data(purchase: Purchase) -> dict[str, Any]:
    """`cashback_breakdown` of the contract: how the purchase's cashback is made up."""
    tier = (purchase.cashback_terms or {}).get("tier") or {}
    return {
        "base": money_text(purchase.cashback_base),
        "tier_bonus": money_text(purchase.tier_bonus),
        "campaign_bonus": money_text(purchase.campaign_bonus),
        "campaign_id": optional(uuid_text, purchase.campaign_id),
        "tier": tier.get("name"),
    }


def purchase_points(purchase: Purchase) -> int:
    """The points the purchase earns at confirmation (or earned); none once reversed."""
    if purchase.status == PurchaseStatus.REVERSED:
        return 0
    return points_for(amount=purchase.amount, points_multiplier=purchase.points_multiplier)


class PurchaseOutputSerializer(serializers.ModelSerializer):
    user_id = serializers.UUIDField(read_only=True)
    merchant_id = serializers.UUIDField(read_only=True)
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    offer_id = serializers.UUIDField(read_only=True)
    amount = MoneyField(read_only=True)
    cashback_amount = MoneyField(read_only=True)
    flag_reasons = serializers.ListField(child=serializers.CharField(), read_only=True)
    click_id = serializers.CharField(read_only=True, allow_null=True)
    cashback_breakdown = serializers.SerializerMethodField()
    points = serializers.SerializerMethodField()

    class Meta:
        model = Purchase
        fields = [
            "id",
            "external_id",
            "user_id",
            "merchant_id",
            "merchant_name",
            "offer_id",
            "amount",
            "currency",
            "status",
            "cashback_amount",
            "cashback_status",
            "flagged",
            "flag_reasons",
            "purchased_at",
            "created_at",
            "confirmed_at",
            "reversed_at",
            "click_id",
            "order_reference",
            "cashback_breakdown",
            "points",
        ]
        read_only_fields = fields

    @extend_schema_field(CashbackBreakdownSerializer)
    def get_cashback_breakdown(self, purchase: Purchase) -> dict[str, Any]:
        return breakdown_data(purchase)

    def get_points(self, purchase: Purchase) -> int:
        return purchase_points(purchase)


def purchase_data(purchase: Purchase) -> dict[str, Any]:
    """`PurchaseOutputSerializer(purchase).data`, built directly.

    Building the serializer's fields cost more CPU than the purchase's queries on the webhook and
    list paths; the serializer remains the documented schema and
    `purchases/tests/test_representation.py` asserts the two render the same.
    """
    return {
        "id": str(purchase.id),
        "external_id": str(purchase.external_id),
        "user_id": uuid_text(purchase.user_id),
        "merchant_id": uuid_text(purchase.merchant_id),
        "merchant_name": str(purchase.merchant.name),
        "offer_id": uuid_text(purchase.offer_id),
        "amount": money_text(purchase.amount),
        "currency": str(purchase.currency),
        "status": str(purchase.status),
        "cashback_amount": money_text(purchase.cashback_amount),
        "cashback_status": str(purchase.cashback_status),
        "flagged": bool(purchase.flagged),
        "flag_reasons": [str(reason) for reason in purchase.flag_reasons],
        "purchased_at": datetime_text(purchase.purchased_at),
        "created_at": datetime_text(purchase.created_at),
        "confirmed_at": optional(datetime_text, purchase.confirmed_at),
        "reversed_at": optional(datetime_text, purchase.reversed_at),
        "click_id": optional(str, purchase.click_id),
        "order_reference": optional(str, purchase.order_reference),
        "cashback_breakdown": breakdown_data(purchase),
        "points": purchase_points(purchase),
    }


class WebhookInputSerializer(serializers.Serializer):
    """One partner event. `external_id` always; `purchase.created` also needs the purchase itself."""

    event = serializers.ChoiceField(choices=[EVENT_CREATED, EVENT_CONFIRMED, EVENT_REVERSED])
    external_id = serializers.CharField(min_length=1, max_length=128, trim_whitespace=False)
    user_id = serializers.UUIDField(required=False, help_text="purchase.created only; or `click_id`, not both.")
    click_id = serializers.CharField(
        required=False,
        max_length=CLICK_ID_MAX_LENGTH,
        help_text="purchase.created only: the click the sale came from (its user earns); or `user_id`, not both.",
    )
    order_reference = serializers.CharField(
        required=False,
        max_length=ORDER_REFERENCE_MAX,
        help_text="purchase.created only: the merchant's order number; one order is rewarded once.",
    )
    merchant_id = serializers.UUIDField(required=False, help_text="purchase.created only.")
    amount = MoneyField(required=False, help_text="purchase.created only.")
    currency = serializers.CharField(
        required=False, max_length=16, help_text="purchase.created only; must be the platform currency."
    )
    purchased_at = SupportedDateTimeField(
        required=False, help_text="purchase.created only; default now; not in the future; from 2000-01-01."
    )
    reason = serializers.CharField(
        required=False, allow_blank=True, max_length=500, help_text="purchase.reversed only."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["event"] == EVENT_CREATED:
            missing = {name: ["This field is required."] for name in CREATED_FIELDS if name not in attrs}
            if "user_id" not in attrs and "click_id" not in attrs:
                missing["user_id"] = ["This field is required, unless click_id is given."]
            if missing:
                raise serializers.ValidationError(missing)
            if "user_id" in attrs and "click_id" in attrs:
                raise serializers.ValidationError({"click_id": ["Give user_id or click_id, not both."]})
        return attrs


def webhook_events_validate(events: list[Any]) -> list[tuple[dict[str, Any] | None, Any]]:
    """`(validated_data, None)` or `(None, errors)` for each event, exactly as
    `WebhookInputSerializer(data=event).is_valid()` gives them, with the serializer's fields built
    once for all the events: building them (a deep copy of the declared fields) cost more than
    validating an event. Only the serializer's per-call results are reset between events."""
    serializer = WebhookInputSerializer(data=None)
    checked: list[tuple[dict[str, Any] | None, Any]] = []
    for event in events:
        serializer.initial_data = event
        for cached in ("_validated_data", "_errors"):  # what `is_valid` keeps of the previous event
            serializer.__dict__.pop(cached, None)
        checked.append((serializer.validated_data, None) if serializer.is_valid() else (None, serializer.errors))
    return checked


class ReverseInputSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class QuoteInputSerializer(serializers.Serializer):
    """A user asks for itself; a partner names the user (`user_id`) or the click (`click_id`)."""

    merchant_id = serializers.UUIDField()
    amount = MoneyField()
    purchased_at = SupportedDateTimeField(required=False, help_text="Default now; not in the future.")
    user_id = serializers.UUIDField(required=False, help_text="Partners: the buyer, or `click_id`.")
    click_id = serializers.CharField(required=False, max_length=CLICK_ID_MAX_LENGTH, help_text="Partners.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.context.get("partner") and ("user_id" in attrs) == ("click_id" in attrs):
            raise serializers.ValidationError({"user_id": ["Give user_id or click_id (one of them)."]})
        return attrs


class QuoteOutputSerializer(serializers.Serializer):
    offer_id = serializers.UUIDField()
    currency = serializers.CharField()
    base = MoneyField(allow_zero=True)
    tier_bonus = MoneyField(allow_zero=True)
    campaign_bonus = MoneyField(allow_zero=True)
    campaign_id = serializers.UUIDField(allow_null=True)
    cashback_amount = MoneyField(allow_zero=True)
    points = serializers.IntegerField()


def quote_data(quote: Any) -> dict[str, Any]:
    """The answer of `POST /cashback/calculate`."""
    breakdown = quote.breakdown
    return {
        "offer_id": str(quote.offer_id),
        "currency": quote.currency,
        "base": money_text(breakdown.base),
        "tier_bonus": money_text(breakdown.tier_bonus),
        "campaign_bonus": money_text(breakdown.campaign_bonus),
        "campaign_id": optional(uuid_text, breakdown.campaign_id),
        "cashback_amount": money_text(breakdown.cashback_amount),
        "points": quote.points,
    }


@extend_schema_field(WebhookInputSerializer(many=True))
class EventListField(serializers.ListField):
    """Events documented as the single webhook's bodies, taken as they come: each is validated
    alone (`WebhookInputSerializer`), so a malformed event is refused in its own result."""

    child = serializers.JSONField()


class BatchInputSerializer(serializers.Serializer):
    """The batch's envelope."""

    events = EventListField(
        min_length=1,
        max_length=settings.WEBHOOK_BATCH_MAX_EVENTS,
        help_text="1 to 500 events, each a body of `POST /webhooks/purchases`.",
    )


class BatchResultSerializer(serializers.Serializer):
    """For the schema: one event's result, `purchase` on success, `error` (the envelope's) otherwise."""

    index = serializers.IntegerField()
    status = serializers.IntegerField(help_text="201, 200, or the status the single webhook answers (4xx).")
    purchase = PurchaseOutputSerializer(required=False)
    error = serializers.DictField(required=False, help_text="`{code, message, details}` as in the error envelope.")


class BatchOutputSerializer(serializers.Serializer):
    results = BatchResultSerializer(many=True)
