import pytest
from django.core.exceptions import ValidationError

from payouts.destinations import mask_email, mask_iban, normalize_iban, validate_iban, validate_paypal_email


@pytest.mark.parametrize(
    "raw, normalized",
    [
        ("DE89370400440532013000", "DE89370400440532013000"),
        ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
        ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
        ("FR1420041010050500013M02606", "FR1420041010050500013M02606"),
        ("NO9386011117947", "NO9386011117947"),
    ],
)
def test_valid_ibans_are_normalized(raw, normalized):
    assert validate_iban(raw) == normalized


@pytest.mark.parametrize(
    "raw",
    [
        "DE89370400440532013001",  # checksum
        "DE88370400440532013000",  # check digits
        "DE8937040044053201300",  # length for DE
        "ZZ89370400440532013000",  # unknown country
        "DE89-3704-0044-0532-0130-0Ä",
        "1234",
        "",
    ],
)
def test_invalid_ibans_are_refused(raw):
    with pytest.raises(ValidationError):
        validate_iban(raw)


def test_normalize_iban_strips_spaces_and_uppercases():
    assert normalize_iban(" de89 3704\t0044 ") == "DE8937040044"


def test_paypal_email_is_lowercased_and_validated():
    assert validate_paypal_email(" John.Doe@Example.COM ") == "john.doe@example.com"
    with pytest.raises(ValidationError):
        validate_paypal_email("not-an-email")


def test_masks():
    assert mask_iban("DE89370400440532013000") == "DE89 **** **** 3000"
    assert mask_iban("NO9386011117947") == "NO93 **** **** 7947"
    assert mask_email("john@example.com") == "j***@example.com"
