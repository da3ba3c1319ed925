from rest_framework import serializers

from chain.models import PayoutPreference


class ChallengeInputSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=42, help_text="0x and 40 hex digits; EIP-55 checksummed if mixed case.")


class ChallengeOutputSerializer(serializers.Serializer):
    message = serializers.CharField(help_text="Sign exactly this text with personal_sign (EIP-191).")
    expires_at = serializers.DateTimeField()


class LinkInputSerializer(serializers.Serializer):
    address = serializers.CharField(max_length=42)
    signature = serializers.RegexField(
        r"^(0x)?[0-9a-fA-F]{130}$", help_text="The 65-byte personal_sign signature, hex.", max_length=132
    )


class PreferenceInputSerializer(serializers.Serializer):
    payout_preference = serializers.ChoiceField(choices=PayoutPreference.choices)


class ChainAddressOutputSerializer(serializers.Serializer):
    address = serializers.CharField(help_text="EIP-55 checksummed.")
    verified_at = serializers.DateTimeField()
    payout_preference = serializers.ChoiceField(choices=PayoutPreference.choices)


class TokenWalletOutputSerializer(serializers.Serializer):
    address = serializers.CharField(allow_null=True, help_text="The linked address (EIP-55), null when none.")
    token_address = serializers.CharField()
    chain_id = serializers.IntegerField()
    onchain_balance = serializers.IntegerField(help_text="Token units (cents), read from the chain.")
    minted_total = serializers.IntegerField(help_text="Token units minted by completed token payouts.")
    pending_mints = serializers.IntegerField(help_text="Token units of token payouts still requested.")
