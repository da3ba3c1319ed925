"""Writes for accounts, tokens and partners. Each function is one transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.models import Partner, PartnerWebhookDay, User, WebhookOutcome, new_partner_secret
from accounts.selectors import user_get_by_email
from accounts.tokens import ClickNBackRefreshToken
from clicknback import rawsql
from clicknback.actors import Actor
from clicknback.audit import audit_record, initial_values
from clicknback.errors import DomainError, EmailAlreadyRegistered, InvalidCredentials, TokenInvalid
from clicknback.events import record_event
from clicknback.models import AuditAction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str
    expires_in: int  # seconds the access token lives
    token_type: str = "Bearer"


def _invalid_field(field: str, messages: list[str]) -> DomainError:
    return DomainError(f"Invalid input: {field}: {messages[0]}", fields={field: messages})


def _password_validate(*, field: str, password: str, user: User) -> None:
    """Django's password validators (the similarity one compares with `user.email`), as a 400 on `field`."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise _invalid_field(field, list(exc.messages)) from exc


def user_register(*, email: str, password: str) -> User:
    """Create a `user`-role account. The case-insensitive unique index decides whether the email is
    taken, so two concurrent registrations of one email cannot both succeed."""
    email = email.strip().lower()
    # A transient instance carrying the email, so the similarity validator can compare.
    _password_validate(field="password", password=password, user=User(email=email))
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


def _refresh_token_consume(raw: str) -> tuple[ClickNBackRefreshToken, OutstandingToken]:
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
    return token, outstanding


def _issued_for_current_password(token: ClickNBackRefreshToken, user: User) -> bool:
    """The token carries a digest of the password hash it was issued under (`CHECK_REVOKE_TOKEN`)."""
    return token.get(jwt_settings.REVOKE_TOKEN_CLAIM) == get_md5_hash_password(user.password)


@transaction.atomic
def token_refresh(*, refresh: str) -> TokenPair:
    """Rotation: the old refresh token is revoked and a new pair issued, with the current role.
    An account deactivated, or whose password changed, since the login cannot refresh (the
    password check also covers a refresh racing the change's revocation of every token)."""
    token, outstanding = _refresh_token_consume(refresh)
    user = outstanding.user
    if user is None or not user.is_active or not _issued_for_current_password(token, user):
        raise TokenInvalid()
    return token_pair_issue(user=user)


@transaction.atomic
def token_revoke(*, refresh: str) -> None:
    """Logout: the refresh token can no longer be used (access tokens expire on their own)."""
    _refresh_token_consume(refresh)


def _password_set(*, user: User, password: str, event: str) -> None:
    """Store the new password and revoke every refresh token of the account. Access tokens issued
    before carry the old password's digest, so they are refused from now on too."""
    user.set_password(password)
    user.save(update_fields=["password"])
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken=None)
    BlacklistedToken.objects.bulk_create([BlacklistedToken(token=token) for token in live], ignore_conflicts=True)
    record_event(event, user_id=user.pk)


def password_change(*, user: User, old_password: str, new_password: str) -> None:
    if not user.check_password(old_password):
        raise _invalid_field("old_password", ["The password is incorrect."])
    _password_validate(field="new_password", password=new_password, user=user)
    with transaction.atomic(durable=True):
        _password_set(user=user, password=new_password, event="user.password_changed")


def password_reset_request(*, email: str) -> None:
    """Mail a one-time reset link to the active account with this email; nothing for any other
    email, and no error either way, so the answer does not reveal which emails have accounts."""
    user = user_get_by_email(email=email)
    if user is None or not user.is_active:
        return
    link = settings.PASSWORD_RESET_URL.format(
        uid=urlsafe_base64_encode(force_bytes(user.pk)), token=default_token_generator.make_token(user)
    )
    body = (
        "Someone asked to reset the password of your ClickNBack account.\n\n"
        f"To choose a new password, open this link (it works once):\n{link}\n\n"
        "If it was not you, ignore this email: your password stays as it is."
    )
    try:
        send_mail("Reset your ClickNBack password", body, None, [user.email])
    except OSError:  # smtplib's errors included: the caller's answer must not differ for this email
        logger.exception("The password reset email could not be sent.")


def _reset_link_user_id(uid: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(urlsafe_base64_decode(uid).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def password_reset_confirm(*, uid: str, token: str, new_password: str) -> None:
    """Set the password from a reset link. The account row is locked while the token is checked, so
    of two concurrent uses of one link the second sees the new password and is refused."""
    invalid_link = _invalid_field("token", ["The reset link is invalid or has already been used."])
    user_id = _reset_link_user_id(uid)
    if user_id is None:
        raise invalid_link
    with transaction.atomic(durable=True):
        user = User.objects.select_for_update().filter(pk=user_id, is_active=True).first()
        if user is None or not default_token_generator.check_token(user, token):
            raise invalid_link
        _password_validate(field="new_password", password=new_password, user=user)
        _password_set(user=user, password=new_password, event="user.password_reset")


def _partner_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise _invalid_field("name", ["This field may not be blank."])
    max_length = Partner._meta.get_field("name").max_length
    if len(name) > max_length:
        raise _invalid_field("name", [f"Ensure this field has no more than {max_length} characters."])
    return name


def partner_create(*, name: str, actor: Actor) -> Partner:
    """A partner with a fresh key and secret. The caller shows the secret once, then never again."""
    name = _partner_name(name)
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


def partner_builtin(*, partner_id: uuid.UUID, name: str) -> Partner:
    """A partner of our own (the claims desk books purchases as one), created on first use. Inactive:
    its secret is never shown, and no request can sign as it."""
    partner, _ = Partner.objects.get_or_create(pk=partner_id, defaults={"name": name, "active": False})
    return partner


@transaction.atomic
def partner_rename(*, partner: Partner, name: str, actor: Actor) -> bool:
    """Give the partner another name (its key and secret stay). Returns whether the name changed."""
    name = _partner_name(name)
    before = Partner.objects.select_for_update().values_list("name", flat=True).get(pk=partner.pk)
    partner.name = name
    if before == name:
        return False
    partner.save(update_fields=["name"])
    audit_record(actor=actor, action=AuditAction.PARTNER_RENAMED, obj=partner, changes={"name": (before, name)})
    return True


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


def _webhook_count_sql(partner: str) -> str:
    """The upsert of one webhook into its day's counter; `partner` is the SQL giving the partner id.
    Its parameters are named `health_*`, so that other statements can take it in as a CTE."""
    day = PartnerWebhookDay
    conflict = ", ".join(rawsql.col(day, field) for field in ("partner", "day", "outcome", "code"))
    count, last_at = rawsql.col(day, "count"), rawsql.col(day, "last_at")
    return (
        f"INSERT INTO {rawsql.table(day)} ({conflict}, {count}, {last_at}) "  # noqa: S608 - from rawsql
        f"VALUES ({partner}, %(health_day)s, %(health_outcome)s, %(health_code)s, %(health_count)s, %(health_at)s) "
        f"ON CONFLICT ({conflict}) DO UPDATE SET {count} = {rawsql.table(day)}.{count} + EXCLUDED.{count}, "
        f"{last_at} = GREATEST({rawsql.table(day)}.{last_at}, EXCLUDED.{last_at})"
    )


def _webhook_count_params(*, outcome: WebhookOutcome, code: str, count: int) -> dict[str, object]:
    now = timezone.now()
    return {
        "health_day": now.date(),
        "health_outcome": outcome.value,
        "health_code": code[:64],
        "health_at": now,
        "health_count": count,
    }


def webhook_count_statement(
    *, partner_id: uuid.UUID, outcome: WebhookOutcome, code: str = "", count: int = 1
) -> tuple[str, dict[str, object]]:
    """`webhook_count`'s upsert as SQL and parameters (named `health_*`), for a service that counts
    a webhook inside its own transaction, as a CTE of a statement it runs anyway (the single
    ingestion: purchases.services). The counter row is then held until that transaction commits,
    and a rolled-back transaction counts nothing."""
    return _webhook_count_sql("%(health_partner)s"), {"health_partner": partner_id} | _webhook_count_params(
        outcome=outcome, code=code, count=count
    )


def webhook_count(*, partner_id: uuid.UUID, outcome: WebhookOutcome, code: str = "", count: int = 1) -> None:
    """Count `count` webhooks (events) of this partner in today's (UTC) health counters: one
    statement, in autocommit after the service's transaction (refusals, confirmations, reversals,
    batches), so the counter row is held for that statement only. A crash between the two loses
    counts, never money. A created purchase is counted inside its ingestion instead
    (`webhook_count_statement`)."""
    sql, params = webhook_count_statement(partner_id=partner_id, outcome=outcome, code=code, count=count)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def webhook_count_signature_failure(*, key: str, reason: str) -> None:
    """Count a refused signature on the partner whose key was presented (active or not), or on no
    partner if no partner has that key: staff see a partner sending a wrong secret or a skewed clock."""
    partner = (
        f"(SELECT {rawsql.col(Partner, 'id')} FROM {rawsql.table(Partner)} "  # noqa: S608 - from rawsql
        f"WHERE {rawsql.col(Partner, 'key')} = %(health_key)s)"
    )
    params = {"health_key": key} | _webhook_count_params(outcome=WebhookOutcome.SIGNATURE_FAILURE, code=reason, count=1)
    with connection.cursor() as cursor:
        cursor.execute(_webhook_count_sql(partner), params)


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
