"""The permissions of the payout screens, which the API asks for too."""

from accounts.permissions import staff_permission_required

VIEW_PAYOUT = "payouts.view_payout"  # every user's payouts and the user_id filter
PROCESS_PAYOUT = "payouts.process_payout"  # complete or fail: money leaves

CanProcessPayouts = staff_permission_required(POST=PROCESS_PAYOUT)
