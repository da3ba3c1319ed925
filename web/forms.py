"""Forms of the member site. The API's serializers are the rules: a form only draws the fields and
puts each message (the serializer's, or a service's DomainError) beside the field it is about, so
the site and the API refuse the same input with the same words."""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django import forms
from rest_framework.exceptions import ValidationError
from rest_framework.serializers import Serializer

from accounts.serializers import (
    LoginInputSerializer,
    PasswordChangeInputSerializer,
    PasswordResetConfirmInputSerializer,
    PasswordResetInputSerializer,
    RegisterInputSerializer,
)
from claims.serializers import ClaimFileInputSerializer
from clicknback.errors import DomainError
from loyalty.serializers import RedeemInputSerializer
from payouts.models import PayoutMethod
from payouts.serializers import PayoutRequestInputSerializer

_WIDGETS = {
    "text": forms.TextInput,
    "email": forms.EmailInput,
    "password": forms.PasswordInput,
    "hidden": forms.HiddenInput,
    "number": forms.NumberInput,
    "search": forms.TextInput,
    "date": forms.DateInput,
    "textarea": forms.Textarea,
}


def field(label: str, kind: str = "text", *, required: bool = True, choices: Any = None, **attrs: Any) -> forms.Field:
    """A field that only carries the text typed: no check of its own (the serializer checks), the
    browser's `required` hint kept. Passwords are never stripped."""
    attrs = {key.replace("_", "-"): value for key, value in attrs.items()}
    if required:
        attrs["required"] = True
    if choices is not None:
        widget = forms.Select(choices=choices, attrs=attrs)
    else:
        widget = _WIDGETS[kind](attrs=attrs | ({"type": kind} if kind in ("search", "date") else {}))
    return forms.CharField(label=label, required=False, strip=kind != "password", widget=widget)


class ApiForm(forms.Form):
    """`serializer_class` validates; `validated` holds its data. `error_fields` sends a service's
    error codes to the field they are about (others go above the form)."""

    serializer_class: ClassVar[type[Serializer]]
    error_fields: ClassVar[dict[str, str]] = {}
    template_name = "web/form_fields.html"

    validated: dict[str, Any]

    def clean(self) -> dict[str, Any]:
        data = {name: value for name, value in self.cleaned_data.items() if value != ""}
        serializer = self.serializer_class(data=data)
        if serializer.is_valid():
            self.validated = dict(serializer.validated_data)
        else:
            for name, messages in serializer.errors.items():
                self._add_messages(name, [str(message) for message in _flat(messages)])
        return self.cleaned_data

    def add_domain_error(self, error: DomainError | ValidationError) -> None:
        """Show a service's refusal: beside each field it names, else beside the field its code is
        about, else above the form."""
        if isinstance(error, ValidationError):  # a service's own field check, in DRF's shape
            for name, messages in error.detail.items():
                self._add_messages(name, [str(message) for message in _flat(messages)])
            return
        fields = error.details.get("fields")
        if fields:
            for name, messages in fields.items():
                self._add_messages(name, list(messages))
            return
        self._add_messages(self.error_fields.get(error.code, ""), [error.message])

    def _add_messages(self, name: str, messages: list[str]) -> None:
        target = name if name in self.fields and not self.fields[name].widget.is_hidden else None
        for message in messages:
            self.add_error(target, message)
        if target is not None:  # screen readers announce the field as invalid, with its messages
            attrs = self.fields[target].widget.attrs
            ids = attrs.get("aria-describedby", "").split()
            errors_id = f"{self[target].auto_id}_errors"
            described = " ".join(ids if errors_id in ids else [*ids, errors_id])
            attrs.update({"aria-invalid": "true", "aria-describedby": described})


def _flat(messages: Any) -> list[Any]:
    if isinstance(messages, dict):
        return [message for value in messages.values() for message in _flat(value)]
    if isinstance(messages, list | tuple):
        return [message for value in messages for message in _flat(value)]
    return [messages]


# --- accounts -------------------------------------------------------------------------------
class SignUpForm(ApiForm):
    serializer_class = RegisterInputSerializer
    error_fields = {"EMAIL_ALREADY_REGISTERED": "email"}

    email = field("Email", "email", autocomplete="email")
    password = field("Password", "password", autocomplete="new-password", aria_describedby="password-rules")


class SignInForm(ApiForm):
    serializer_class = LoginInputSerializer

    email = field("Email", "email", autocomplete="email")
    password = field("Password", "password", autocomplete="current-password")


class PasswordChangeForm(ApiForm):
    serializer_class = PasswordChangeInputSerializer

    old_password = field("Current password", "password", autocomplete="current-password")
    new_password = field("New password", "password", autocomplete="new-password", aria_describedby="password-rules")


class PasswordResetForm(ApiForm):
    serializer_class = PasswordResetInputSerializer

    email = field("Email", "email", autocomplete="email")


class PasswordResetConfirmForm(ApiForm):
    serializer_class = PasswordResetConfirmInputSerializer

    uid = field("", "hidden")
    token = field("", "hidden")
    new_password = field("New password", "password", autocomplete="new-password", aria_describedby="password-rules")


# --- money ----------------------------------------------------------------------------------
class OnceForm(ApiForm):
    """A form whose work must happen once: each form drawn gets a fresh `idempotency_key`, so a
    second submit of the same page is the same request (`web.views.base.submit_once`)."""

    idempotency_key = field("", "hidden")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["idempotency_key"].initial = uuid.uuid4().hex


class WithdrawForm(OnceForm):
    """The API's payout request; tokens are offered once the member has linked a chain address."""

    serializer_class = PayoutRequestInputSerializer
    error_fields = {
        "INSUFFICIENT_BALANCE": "amount",
        "BELOW_MINIMUM_PAYOUT": "amount",
        "CHAIN_ADDRESS_REQUIRED": "method",
    }

    amount = field("Amount", "text", inputmode="decimal", autocomplete="off")
    method = field("Send it by", choices=[])
    # Required for a bank transfer or PayPal only (the serializer says so): tokens need none.
    destination = field("IBAN or PayPal email", required=False, autocomplete="off", aria_describedby="destination-help")

    def __init__(self, *args: Any, tokens: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        methods = [(value, label) for value, label in PayoutMethod.choices if tokens or value != PayoutMethod.TOKEN]
        self.fields["method"].widget.choices = [("", "Choose…"), *methods]


class RedeemForm(OnceForm):
    """The API's redemption."""

    serializer_class = RedeemInputSerializer
    error_fields = {"INSUFFICIENT_POINTS": "points", "BELOW_MINIMUM_REDEMPTION": "points"}

    points = field("Points to redeem", "number", inputmode="numeric", min="1", step="1")


# --- claims ---------------------------------------------------------------------------------
class ClaimForm(ApiForm):
    """The API's claim filing; `merchants` are the shops the member may pick."""

    serializer_class = ClaimFileInputSerializer
    error_fields = {"CLAIM_OUT_OF_WINDOW": "purchased_at", "CLAIM_DUPLICATE": "order_reference"}

    merchant_id = field("Shop", choices=[])
    order_reference = field("Order number", autocomplete="off")
    amount = field("Amount you paid", inputmode="decimal", autocomplete="off")
    purchased_at = field("Date of the purchase", "date")
    note = field("Anything we should know (optional)", "textarea", required=False)
    click_id = field("", "hidden", required=False)

    def __init__(self, *args: Any, merchants: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["merchant_id"].widget.choices = [("", "Choose…"), *merchants]
