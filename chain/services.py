"""Writes over chain addresses: challenge, link, unlink, payout preference."""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from chain.addresses import BadAddress, checksummed, signer_of
from chain.models import ChainAddress, ChainChallenge
from clicknback.errors import AddressInUse, DomainError, NotFound

CHALLENGE_TTL = timedelta(minutes=10)


def _invalid_field(field: str, message: str) -> DomainError:
    return DomainError(f"Invalid input: {field}: {message}", fields={field: [message]})


def _checksummed_or_400(address: str) -> str:
    try:
        return checksummed(address)
    except BadAddress as exc:
        raise _invalid_field("address", str(exc)) from exc


def chain_challenge_create(*, user: User, address: str) -> ChainChallenge:
    """A one-time message naming the address, the account and a random nonce, valid CHALLENGE_TTL."""
    address = _checksummed_or_400(address)
    now = timezone.now()
    expires_at = now + CHALLENGE_TTL
    message = (
        "ClickNBack: link this address to my account.\n"
        f"Address: {address}\n"
        f"Account: {user.pk}\n"
        f"Nonce: {secrets.token_hex(16)}\n"
        f"Expires: {expires_at.isoformat()}"
    )
    with transaction.atomic(durable=True):
        return ChainChallenge.objects.create(user=user, address=address, message=message, expires_at=expires_at)


def chain_address_link(*, user: User, address: str, signature: str) -> ChainAddress:
    """Link `address` to `user` on a valid signature of their latest challenge for it, using it up.

    A wrong signature leaves the challenge valid (a client may retry with the right key). The
    unique index on the address decides between two users linking it at once: the loser's insert
    waits for the winner's commit, then fails, and answers 409 ADDRESS_IN_USE.
    """
    address = _checksummed_or_400(address)
    try:
        with transaction.atomic(durable=True):
            challenge = (
                ChainChallenge.objects.select_for_update()
                .filter(user=user, address=address)
                .order_by("-created_at")
                .first()
            )
            now = timezone.now()
            if challenge is None:
                raise _invalid_field("address", "No challenge for this address: request one first.")
            if challenge.used_at is not None:
                raise _invalid_field("address", "This challenge was used: request a new one.")
            if challenge.expires_at <= now:
                raise _invalid_field("address", "This challenge expired: request a new one.")
            if signer_of(challenge.message, signature) != address:
                raise _invalid_field("signature", "The signature is not this address's signature of the challenge.")
            challenge.used_at = now
            challenge.save(update_fields=["used_at"])
            linked, _ = ChainAddress.objects.update_or_create(
                user=user, defaults={"address": address, "verified_at": now}
            )
    except IntegrityError as exc:
        if ChainAddress.objects.filter(address=address).exclude(user=user).exists():
            raise AddressInUse() from exc
        raise
    return linked


def chain_address_unlink(*, user: User) -> None:
    """Token payouts already requested keep the address they were requested for."""
    with transaction.atomic(durable=True):
        deleted, _ = ChainAddress.objects.filter(user=user).delete()
    if not deleted:
        raise NotFound("No chain address is linked.")


def chain_address_set_preference(*, user: User, payout_preference: str) -> ChainAddress:
    with transaction.atomic(durable=True):
        linked = ChainAddress.objects.select_for_update().filter(user=user).first()
        if linked is None:
            raise NotFound("No chain address is linked.")
        linked.payout_preference = payout_preference
        linked.save(update_fields=["payout_preference"])
    return linked
