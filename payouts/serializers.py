"""The HTTP shape of payouts: what a client may send and what it gets back (destination masked)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from clicknback.money import MoneyField
from payouts.destinations import validate_iban, validate_paypal_email
from payouts.models import Payout, PayoutMethod, PayoutStatus

_DESTINATION_VALIDATORS = {
    PayoutMethod.BANK_TRANSFER: validate_iban,
    PayoutMethod.PAYPAL: validate_paypal_email,
}


class PayoutRequestInputSerializer(serializers.Serializer):
    amount = MoneyField()
    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    destination = serializers.CharField(
        max_length=254,
        required=False,
        help_text="An IBAN for bank_transfer (checked with its checksum), an email for paypal; none for token "
        "(the linked chain address is used).",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        destination = attrs.get("destination")
        if attrs["method"] == PayoutMethod.TOKEN:
            if destination:
                raise serializers.ValidationError({"destination": ["A token payout goes to the linked chain address."]})
            attrs.pop("destination", None)
            return attrs
        if destination is None:
            raise serializers.ValidationError({"destination": ["This field is required."]})
        try:
            attrs["destination"] = _DESTINATION_VALIDATORS[attrs["method"]](destination)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"destination": exc.messages}) from exc
        return attrs


class PayoutFailInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500, help_text="Why the payout failed; shown to the user.")


class PayoutOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    amount = MoneyField()
    currency = serializers.CharField()
    method = serializers.ChoiceField(choices=PayoutMethod.choices)
    destination = serializers.CharField(source="masked_destination", help_text="Masked: DE89 **** **** 3000.")
    status = serializers.ChoiceField(choices=PayoutStatus.choices)
    failure_reason = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    processed_at = serializers.DateTimeField(allow_null=True)
    tx_hash = serializers.SerializerMethodField(help_text="A token payout's mint, once final on chain.")
    block_number = serializers.IntegerField(allow_null=True, help_text="The block of a token payout's mint.")

    def get_tx_hash(self, payout: Payout) -> str | None:
        return payout.tx_hash or None

    def get_failure_reason(self, payout: Payout) -> str | None:
        return payout.failure_reason or None


class PayoutPageSerializer(serializers.Serializer):
    """The list envelope, for the schema."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = PayoutOutputSerializer(many=True)
