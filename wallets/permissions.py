"""Who may move money by hand: finance proposes adjustments, and another finance member approves them."""

PROPOSE_ADJUSTMENT = "wallets.add_adjustment"
APPROVE_ADJUSTMENT = "wallets.approve_adjustment"
