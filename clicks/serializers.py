from __future__ import annotations

from rest_framework import serializers

from clicks.models import Click


class ClickCreatedSerializer(serializers.Serializer):
    click_id = serializers.CharField(help_text="24 URL-safe characters; the partner reports the sale with it.")
    redirect_url = serializers.CharField(help_text="The merchant's tracking URL with this click's id.")
    expires_at = serializers.DateTimeField(help_text="The end of the attribution window.")


class ClickOutputSerializer(serializers.ModelSerializer):
    click_id = serializers.CharField(source="id")
    user_id = serializers.UUIDField()
    merchant_id = serializers.UUIDField()
    offer_id = serializers.UUIDField()

    class Meta:
        model = Click
        fields = ["click_id", "user_id", "merchant_id", "offer_id", "created_at", "expires_at"]
        read_only_fields = fields


class ClickPageSerializer(serializers.Serializer):
    """The list envelope, for the schema."""

    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    results = ClickOutputSerializer(many=True)
