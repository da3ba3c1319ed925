"""The HTTP edge of claims: what filing and deciding accept, and the claim they render."""

from __future__ import annotations

from rest_framework import serializers

from claims.models import Claim
from clicknback.dates import SupportedDateTimeField
from clicknback.money import MoneyField
from clicks.models import CLICK_ID_MAX_LENGTH

ORDER_REFERENCE_MAX = Claim._meta.get_field("order_reference").max_length
NOTE_MAX = Claim._meta.get_field("note").max_length
REASON_MAX = Claim._meta.get_field("decision_reason").max_length


class ClaimOutputSerializer(serializers.ModelSerializer):
    merchant_id = serializers.UUIDField(read_only=True)
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    amount = MoneyField(read_only=True)
    click_id = serializers.SerializerMethodField()
    purchase_id = serializers.UUIDField(read_only=True, allow_null=True)

    class Meta:
        model = Claim
        fields = [
            "id",
            "merchant_id",
            "merchant_name",
            "order_reference",
            "amount",
            "purchased_at",
            "click_id",
            "click_verified",
            "note",
            "status",
            "decision_reason",
            "purchase_id",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields

    def get_click_id(self, claim: Claim) -> str | None:
        return claim.click_id or None


class ClaimPageSerializer(serializers.Serializer):
    """The list envelope, for the schema."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ClaimOutputSerializer(many=True)


class ClaimFileInputSerializer(serializers.Serializer):
    merchant_id = serializers.UUIDField()
    order_reference = serializers.CharField(max_length=ORDER_REFERENCE_MAX)
    amount = MoneyField()
    purchased_at = SupportedDateTimeField()
    click_id = serializers.CharField(max_length=CLICK_ID_MAX_LENGTH, required=False, allow_blank=True, default="")
    note = serializers.CharField(max_length=NOTE_MAX, required=False, allow_blank=True, default="")


class ClaimRejectInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=REASON_MAX)
