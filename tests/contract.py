"""The contract's resource shapes (../shared/docs/api-v1.md), written once for every test that
checks a response. Copied from the contract by hand on purpose: never derived from the code."""

MERCHANT_FIELDS = {"id", "name", "website", "status", "confirmation_days", "category", "created_at"}

OFFER_FIELDS = {
    "id",
    "merchant_id",
    "merchant_name",
    "cashback_type",
    "cashback_value",
    "starts_on",
    "ends_on",
    "monthly_cap_per_user",
    "min_purchase_amount",
    "max_cashback_per_purchase",
    "status",
    "created_at",
}

PURCHASE_FIELDS = {
    "id",
    "external_id",
    "user_id",
    "merchant_id",
    "merchant_name",
    "offer_id",
    "amount",
    "currency",
    "status",
    "cashback_amount",
    "cashback_status",
    "flagged",
    "flag_reasons",
    "purchased_at",
    "created_at",
    "confirmed_at",
    "reversed_at",
    "click_id",
    "order_reference",
    "cashback_breakdown",
    "points",
}

WALLET_ENTRY_FIELDS = {
    "id",
    "type",
    "pending_delta",
    "available_delta",
    "paid_delta",
    "pending_balance",
    "available_balance",
    "paid_balance",
    "purchase_id",
    "payout_id",
    "created_at",
}

PAYOUT_FIELDS = {
    "id",
    "amount",
    "currency",
    "method",
    "destination",
    "status",
    "failure_reason",
    "created_at",
    "processed_at",
    # api-v1-rewards.md, "Tokens on a blockchain": a token payout's mint (null for the others).
    "tx_hash",
    "block_number",
}

TIER_FIELDS = {
    "id",
    "name",
    "min_spend",
    "cashback_boost_percent",
    "points_multiplier",
    "upgrade_bonus_points",
    "benefits",
    "position",
}

LOYALTY_STATUS_FIELDS = {"tier", "qualifying_spend", "next_tier", "tier_since", "history"}

REWARDS_FIELDS = {
    "points_balance",
    "lifetime_earned",
    "lifetime_redeemed",
    "lifetime_expired",
    "expiring_soon",
    "redemption",
}

POINTS_ENTRY_FIELDS = {
    "id",
    "type",
    "points_delta",
    "points_balance",
    "purchase_id",
    "redemption_id",
    "expires_on",
    "created_at",
}

REDEMPTION_FIELDS = {"id", "points", "amount", "currency", "created_at"}

NOTIFICATION_FIELDS = {"id", "kind", "title", "body", "data", "read_at", "created_at"}
CHAIN_ADDRESS_FIELDS = {"address", "verified_at", "payout_preference"}

CHAIN_CHALLENGE_FIELDS = {"message", "expires_at"}

TOKEN_WALLET_FIELDS = {"address", "token_address", "chain_id", "onchain_balance", "minted_total", "pending_mints"}

MERCHANT_ADMIN_FIELDS = MERCHANT_FIELDS | {"tracking_url"}  # staff who may change merchants

CLICK_CREATED_FIELDS = {"click_id", "redirect_url", "expires_at"}

CLICK_FIELDS = {"click_id", "user_id", "merchant_id", "offer_id", "created_at", "expires_at"}

CLAIM_FIELDS = {
    "id",
    "merchant_id",
    "merchant_name",
    "order_reference",
    "amount",
    "purchased_at",
    "click_id",
    "click_verified",
    "note",
    "status",
    "decision_reason",
    "purchase_id",
    "created_at",
    "decided_at",
}
