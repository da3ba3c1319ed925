"""Token payouts in the admin: their chain status and mints, read-only (their mint moves them), the
tx hash shown as text; the finance queue and the payout actions leave them to the mint."""

from __future__ import annotations

import pytest

from chain.tests.helpers import link_address, minted, token_payout
from payouts.models import PayoutStatus
from tests.admin.conftest import changelist, messages_of

pytestmark = pytest.mark.django_db

TOKEN_PAYOUTS = changelist("chain_tokenpayout")
MINTS = changelist("chain_blockchaintransaction")
TX = "0x" + "ab" * 32


def test_token_payouts_show_address_chain_status_and_the_tx_hash_without_a_link(as_support, user, make_payout):
    address = link_address(user)
    done = minted(token_payout(user)[0], tx_hash=TX, block_number=42)
    waiting, _ = token_payout(user)
    make_payout(user)  # a bank transfer: not a token payout

    response = as_support.get(TOKEN_PAYOUTS)

    assert response.status_code == 200
    assert {p.pk for p in response.context["cl"].result_list} == {done.pk, waiting.pk}
    page = response.content.decode()
    assert address in page and "minted in block 42" in page and "waiting for its mint" in page
    assert f"<code>{TX}</code>" in page and f'href="{TX}' not in page and "etherscan" not in page
    detail = as_support.get(f"/admin/chain/tokenpayout/{done.pk}/change/").content.decode()
    assert TX in detail and "<a " not in detail.split(TX)[0][-80:]


def test_token_payout_screens_are_read_only(as_superuser, user):
    link_address(user)
    payout, _ = token_payout(user)
    assert as_superuser.get("/admin/chain/tokenpayout/add/").status_code == 403
    as_superuser.post(f"/admin/chain/tokenpayout/{payout.pk}/change/", {"status": "completed"})
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED
    assert as_superuser.get(f"/admin/chain/tokenpayout/{payout.pk}/delete/").status_code == 403


def test_the_mints_list_shows_each_recorded_transaction(as_finance, user):
    link_address(user)
    minted(token_payout(user, "15.00")[0], tx_hash=TX, block_number=9)
    page = as_finance.get(MINTS).content.decode()
    assert f"<code>{TX}</code>" in page and "1500" in page


def test_the_finance_queue_and_the_payout_actions_leave_token_payouts_to_their_mint(as_finance, user):
    link_address(user)
    payout, _ = token_payout(user)

    queue = as_finance.get(changelist("backoffice_requestedpayout"))
    assert payout.pk not in {p.pk for p in queue.context["cl"].result_list}
    detail = as_finance.get(f"/admin/payouts/payout/{payout.pk}/change/").content.decode()
    assert "a token payout is completed or failed by its mint on chain" in detail
    response = as_finance.action(changelist("payouts_payout"), "complete_payouts", [payout])
    assert any(level == "error" for level, _ in messages_of(response))
    payout.refresh_from_db()
    assert payout.status == PayoutStatus.REQUESTED
