from io import StringIO

import pytest

from accounts import demo
from accounts.models import Partner, User

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_its_credentials_log_in(login):
    demo.seed(StringIO())
    out = StringIO()
    demo.seed(out)

    assert User.objects.count() == 2
    assert Partner.objects.count() == 1
    assert User.objects.get(email=demo.DEMO_ADMIN[0]).role == "admin"
    assert demo.DEMO_USER[1] in out.getvalue()
    assert login(demo.DEMO_USER[0], password=demo.DEMO_USER[1]).status_code == 200
    assert login(demo.DEMO_ADMIN[0], password=demo.DEMO_ADMIN[1]).status_code == 200
