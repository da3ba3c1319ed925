"""The partner signature check (`X-Partner-Key` + `X-Signature: t=..,v1=..`), mounted on a test view."""

import json
import time

import pytest
from rest_framework.test import APIClient

from accounts.authentication import _active_partner, sign_payload, signature_header
from accounts.models import Partner
from accounts.tests.factories import PartnerFactory
from clicknback.testing import error_code, field_values

pytestmark = pytest.mark.django_db

BODY = json.dumps({"event": "purchase.created", "amount": "12.50"}).encode()


def _post(path: str, body: bytes = BODY, **headers: str):
    return APIClient().post(path, data=body, content_type="application/json", **headers)


def _signed(partner, body: bytes = BODY, timestamp: int | None = None, secret: str | None = None) -> dict:
    return {
        "HTTP_X_PARTNER_KEY": partner.key,
        "HTTP_X_SIGNATURE": signature_header(secret or partner.secret, body, timestamp),
    }


def _assert_refused(response) -> None:
    assert response.status_code == 401
    assert error_code(response) == "INVALID_SIGNATURE"
    assert response["WWW-Authenticate"].startswith("Signature")


def test_good_signature_authenticates_the_partner(signed_urls, partner):
    response = _post(signed_urls, **_signed(partner))

    assert response.status_code == 200
    assert response.json() == {"partner_id": str(partner.pk), "received": json.loads(BODY)}


def test_uppercase_hex_and_extra_signatures_are_accepted(signed_urls, partner):
    timestamp = int(time.time())
    good = sign_payload(partner.secret, timestamp, BODY).upper()
    header = f"t={timestamp}, v1={'0' * 64}, v1={good}"
    assert _post(signed_urls, HTTP_X_PARTNER_KEY=partner.key, HTTP_X_SIGNATURE=header).status_code == 200


def test_within_tolerance_is_accepted(signed_urls, partner):
    assert _post(signed_urls, **_signed(partner, timestamp=int(time.time()) - 290)).status_code == 200


def test_wrong_secret(signed_urls, partner):
    _assert_refused(_post(signed_urls, **_signed(partner, secret="whsec_not-the-secret")))


@pytest.mark.parametrize("skew", [-301, 301, -86400, 86400])
def test_stale_timestamp_in_either_direction(signed_urls, partner, skew):
    _assert_refused(_post(signed_urls, **_signed(partner, timestamp=int(time.time()) + skew)))


@pytest.mark.parametrize("missing", ["HTTP_X_PARTNER_KEY", "HTTP_X_SIGNATURE", "both"])
def test_missing_headers(signed_urls, partner, missing):
    headers = _signed(partner)
    for name in list(headers):
        if missing in (name, "both"):
            del headers[name]
    _assert_refused(_post(signed_urls, **headers))


@pytest.mark.parametrize(
    "header",
    [
        "garbage",
        "t=,v1=",
        "v1=" + "a" * 64,  # no timestamp
        "t=1700000000",  # no signature
        "t=abc,v1=" + "a" * 64,
        "t=" + "9" * 5000 + ",v1=" + "a" * 64,  # int() would refuse to parse this many digits
        "t=" + "\u0661\u0667" + "\u0660" * 8 + ",v1=" + "a" * 64,  # Arabic-Indic digits
        "t={now},v1=" + "é" * 64,  # non-ASCII: hmac.compare_digest would raise on str
        "t={now},v1=" + "a" * 63,
    ],
    ids=["garbage", "empty", "no-t", "no-v1", "t-not-int", "t-huge", "t-non-ascii", "v1-non-ascii", "v1-short"],
)
def test_malformed_signature_header(signed_urls, partner, header):
    header = header.replace("{now}", str(int(time.time())))
    _assert_refused(_post(signed_urls, HTTP_X_PARTNER_KEY=partner.key, HTTP_X_SIGNATURE=header))


@pytest.mark.parametrize("key", ["pk_unknown", "pk_" + "0" * 32, "x" * 65, "bad key;drop"])
def test_unknown_or_malformed_key(signed_urls, partner, key):
    _assert_refused(_post(signed_urls, HTTP_X_PARTNER_KEY=key, HTTP_X_SIGNATURE=_signed(partner)["HTTP_X_SIGNATURE"]))


def test_inactive_partner(signed_urls):
    partner = PartnerFactory(active=False)
    _assert_refused(_post(signed_urls, **_signed(partner)))


def test_another_partners_key(signed_urls, partner):
    other = PartnerFactory()
    headers = {**_signed(partner), "HTTP_X_PARTNER_KEY": other.key}
    _assert_refused(_post(signed_urls, **headers))


def test_tampered_body(signed_urls, partner):
    headers = _signed(partner)
    tampered = BODY.replace(b"12.50", b"99.50")
    _assert_refused(_post(signed_urls, body=tampered, **headers))


def test_the_signature_covers_the_timestamp(signed_urls, partner):
    timestamp = int(time.time())
    signature = sign_payload(partner.secret, timestamp, BODY)
    header = f"t={timestamp - 1},v1={signature}"
    _assert_refused(_post(signed_urls, HTTP_X_PARTNER_KEY=partner.key, HTTP_X_SIGNATURE=header))


@pytest.mark.django_db
def test_the_partner_lookup_is_its_orm_twin():
    """The signature check's hand-written lookup finds what `Partner.objects` finds, for each key."""
    partners = [PartnerFactory(), PartnerFactory(active=False), PartnerFactory()]
    for key in [*(p.key for p in partners), "pk_unknown", ""]:
        twin = Partner.objects.filter(key=key, active=True).first()
        assert field_values(_active_partner(key)) == field_values(twin), key
