"""The project's URLconf plus a view that fails, on a site path and on an API path."""

from django.urls import path

from clicknback.urls import handler400, handler403, handler404, handler500, urlpatterns  # noqa: F401


def boom(request):
    raise RuntimeError("boom")


urlpatterns = [path("boom/", boom), path("api/v1/boom", boom), *urlpatterns]
