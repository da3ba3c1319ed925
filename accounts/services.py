"""Writes for accounts, tokens and partners. Each function is one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.models import Partner, User, new_partner_secret
from accounts.selectors import user_get_by_email
from accounts.tokens import ClickNBackRefreshToken
from clicknback.actors import Actor
from clicknback.audit import audit_record, initial_values
from clicknback.errors import DomainError, EmailAlreadyRegistered, InvalidCredentials, TokenInvalid
from clicknback.events import record_event
from clicknback.models import AuditAction


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int  # seconds the access token lives
    token_type: str = "Bearer"


def _invalid_field(field: str, messages: list[str]) -> DomainError:
    return DomainError(f"Invalid input: {field}: {messages[0]}", fields={field: messages})


def user_register(*, email: str, password: str) -> User:
    """Create a `user`-role account. The case-insensitive unique index decides whether the email is
    taken, so two concurrent registrations of one email cannot both succeed."""
    email = email.strip().lower()
    try:
        # A transient instance carrying the email, so the similarity validator can compare.
        validate_password(password, user=User(email=email))
    except DjangoValidationError as exc:
        raise _invalid_field("password", list(exc.messages)) from exc
    try:
        with transaction.atomic():
            user = User.objects.create_user(email, password)
            record_event("user.registered", user_id=user.pk)
    except IntegrityError as exc:
        raise EmailAlreadyRegistered() from exc
    return user


def user_authenticate(*, email: str, password: str) -> User:
    """The active account with these credentials, or `InvalidCredentials` whatever was wrong.

    An unknown email still pays for one password hash, so response time does not reveal which
    emails have accounts.
    """
    user = user_get_by_email(email=email)
    if user is None:
        User().set_password(password)
        raise InvalidCredentials()
    if not user.check_password(password) or not user.is_active:
        raise InvalidCredentials()
    return user


def token_pair_issue(*, user: User) -> TokenPair:
    refresh = ClickNBackRefreshToken.for_user(user)
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"]
    return TokenPair(access=str(refresh.access_token), refresh=str(refresh), expires_in=int(lifetime.total_seconds()))


def user_login(*, email: str, password: str) -> TokenPair:
    return token_pair_issue(user=user_authenticate(email=email, password=password))


def _refresh_token_consume(raw: str) -> OutstandingToken:
    """Verify a refresh token and blacklist it, so it works exactly once.

    The outstanding-token row is locked before the blacklist is checked: of two concurrent uses of
    one token, the second waits, then sees the first one's blacklist entry and is refused.
    """
    try:
        token = ClickNBackRefreshToken(raw)
    except TokenError as exc:
        raise TokenInvalid() from exc
    outstanding = (
        OutstandingToken.objects.select_for_update(of=("self",)).select_related("user").filter(jti=token["jti"]).first()
    )
    if outstanding is None or BlacklistedToken.objects.filter(token=outstanding).exists():
        raise TokenInvalid()
    BlacklistedToken.objects.create(token=outstanding)
    return outstanding


@transaction.atomic
def token_refresh(*, refresh: str) -> TokenPair:
    """Rotation: the old refresh token is revoked and a new pair issued, with the current role.
    An account deactivated since the login cannot refresh."""
    user = _refresh_token_consume(refresh).user
    if user is None or not user.is_active:
        raise TokenInvalid()
    return token_pair_issue(user=user)


@transaction.atomic
def token_revoke(*, refresh: str) -> None:
    """Logout: the refresh token can no longer be used (access tokens expire on their own)."""
    _refresh_token_consume(refresh)


def partner_create(*, name: str, actor: Actor) -> Partner:
    """A partner with a fresh key and secret. The caller shows the secret once, then never again."""
    name = name.strip()
    if not name:
        raise _invalid_field("name", ["This field may not be blank."])
    max_length = Partner._meta.get_field("name").max_length
    if len(name) > max_length:
        raise _invalid_field("name", [f"Ensure this field has no more than {max_length} characters."])
    with transaction.atomic():
        partner = Partner.objects.create(name=name)
        audit_record(
            actor=actor,
            action=AuditAction.PARTNER_CREATED,
            obj=partner,
            changes=initial_values(partner, ["name", "key", "active"]),
        )
        record_event("partner.created", partner_id=partner.pk, actor=actor)
    return partner


@transaction.atomic
def partner_rotate_secret(*, partner: Partner, actor: Actor) -> str:
    """Issue a new secret; signatures made with the old one stop verifying at once. The audit row says
    that it was rotated, never what it was or is."""
    partner.secret = new_partner_secret()
    partner.save(update_fields=["secret"])
    audit_record(actor=actor, action=AuditAction.PARTNER_SECRET_ROTATED, obj=partner, changes={})
    record_event("partner.secret_rotated", partner_id=partner.pk, actor=actor)
    return partner.secret


@transaction.atomic
def partner_deactivate(*, partner: Partner, actor: Actor) -> bool:
    """Stop accepting the partner's webhooks. Returns whether it was active (repeating is a no-op)."""
    changed = Partner.objects.filter(pk=partner.pk, active=True).update(active=False) == 1
    partner.active = False
    if changed:
        audit_record(
            actor=actor, action=AuditAction.PARTNER_DEACTIVATED, obj=partner, changes={"active": (True, False)}
        )
        record_event("partner.deactivated", partner_id=partner.pk, actor=actor)
    return changed


@transaction.atomic
def user_groups_set(*, user: User, groups: Iterable[Group], actor: Actor) -> bool:
    """Put `user` in exactly these staff groups. Returns whether that changed their membership."""
    groups = list(groups)
    locked = User.objects.select_for_update().get(pk=user.pk)  # concurrent edits record true befores
    before = sorted(locked.groups.values_list("name", flat=True))
    after = sorted(group.name for group in groups)
    if before == after:
        return False
    locked.groups.set(groups)
    audit_record(actor=actor, action=AuditAction.USER_GROUPS_CHANGED, obj=locked, changes={"groups": (before, after)})
    return True


def _dotted(permissions: QuerySet[Permission]) -> list[str]:
    pairs = permissions.values_list("content_type__app_label", "codename")
    return sorted(f"{app}.{codename}" for app, codename in pairs)


@transaction.atomic
def group_permissions_set(*, group: Group, permissions: Iterable[Permission], actor: Actor) -> bool:
    """Give a staff group exactly these permissions. Returns whether that changed them."""
    permissions = list(permissions)
    locked = Group.objects.select_for_update().get(pk=group.pk)
    before = _dotted(locked.permissions.all())
    after = _dotted(Permission.objects.filter(pk__in=[permission.pk for permission in permissions]))
    if before == after:
        return False
    locked.permissions.set(permissions)
    audit_record(
        actor=actor,
        action=AuditAction.GROUP_PERMISSIONS_CHANGED,
        obj=locked,
        changes={"permissions": (before, after)},
    )
    return True
