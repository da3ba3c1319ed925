"""A throwaway URLconf for tests: views that fail in the ways production code might."""

from django.db import OperationalError
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

SECRET_DETAIL = "internal detail that must never reach a client"


class PublicView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class CrashView(PublicView):
    def get(self, request):
        raise RuntimeError(SECRET_DETAIL)


class DatabaseDownView(PublicView):
    def get(self, request):
        raise OperationalError("could not connect to server: Connection refused")


class EchoView(PublicView):
    def post(self, request):
        return Response({"received": request.data})


def plain_django_crash(request):
    raise RuntimeError(SECRET_DETAIL)


urlpatterns = [
    path("crash", CrashView.as_view()),
    path("db-down", DatabaseDownView.as_view()),
    path("echo", EchoView.as_view()),
    path("api/plain-crash", plain_django_crash),  # under /api/: the member site has its own 500 page
]
