"""The middleware only the back-office and the member site need, bypassed on `/api/` (see
`clicknback.middleware.outside_api`). Named here so that settings.MIDDLEWARE can import them.

CSRF stays Django's own: `check --deploy` looks for it by name, and on the API (whose views are all
CSRF-exempt) it costs little."""

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware

from clicknback.middleware import outside_api

SiteSessionMiddleware = outside_api(SessionMiddleware)
SiteAuthenticationMiddleware = outside_api(AuthenticationMiddleware)
SiteMessageMiddleware = outside_api(MessageMiddleware)
