"""The HTTP shapes of accounts, tokens and partners."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Role


class RegisterInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=256, write_only=True, trim_whitespace=False)


class LoginInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(max_length=256, write_only=True, trim_whitespace=False)


def _password_field() -> serializers.CharField:
    return serializers.CharField(max_length=256, write_only=True, trim_whitespace=False)


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = _password_field()
    new_password = _password_field()


class PasswordResetInputSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)


class PasswordResetConfirmInputSerializer(serializers.Serializer):
    uid = serializers.CharField(max_length=64, help_text="The `uid` of the emailed link.")
    token = serializers.CharField(max_length=128, help_text="The `token` of the emailed link.")
    new_password = _password_field()


class RefreshInputSerializer(serializers.Serializer):
    refresh = serializers.CharField(max_length=4096)


class AccountOutputSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=Role.choices)
    created_at = serializers.DateTimeField()


class TokenPairOutputSerializer(serializers.Serializer):
    access = serializers.CharField()
    refresh = serializers.CharField()
    token_type = serializers.CharField(help_text='Always "Bearer".')
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class PartnerCreateInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)


class PartnerOutputSerializer(serializers.Serializer):
    """A partner as lists show it: never the secret."""

    id = serializers.UUIDField()
    name = serializers.CharField()
    key = serializers.CharField()
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()


class PartnerCreatedOutputSerializer(PartnerOutputSerializer):
    """The only response that carries the secret: the one creating the partner."""

    secret = serializers.CharField()
