from io import StringIO

import pytest
from django.core.management import call_command

from claims.models import Claim, ClaimStatus
from clicks.models import Click
from purchases.models import Purchase
from wallets.selectors import ledger_discrepancies

pytestmark = pytest.mark.django_db


def test_demo_seed_has_clicks_an_attributed_purchase_and_a_claim_in_each_state():
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert Click.objects.count() == 3
    assert Purchase.objects.filter(click__isnull=False).count() == 1
    claims = {claim.status: claim for claim in Claim.objects.all()}
    assert sorted(claims) == [ClaimStatus.APPROVED, ClaimStatus.OPEN, ClaimStatus.REJECTED]
    assert claims[ClaimStatus.OPEN].click_verified
    assert claims[ClaimStatus.APPROVED].purchase is not None
    assert ledger_discrepancies() == []
