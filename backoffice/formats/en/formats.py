"""One date format on every back-office screen (Django's own columns included): ISO days, times to the
minute, as `clicknback.admin_format.when` writes them. Loaded through FORMAT_MODULE_PATH."""

DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
TIME_FORMAT = "H:i"
