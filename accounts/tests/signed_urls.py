"""A throwaway URLconf for tests: one endpoint behind the partner signature check."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.authentication import PartnerSignatureAuthentication
from accounts.permissions import IsPartner


class SignedEchoView(APIView):
    authentication_classes = [PartnerSignatureAuthentication]
    permission_classes = [IsPartner]

    def post(self, request):
        return Response({"partner_id": str(request.auth.pk), "received": request.data})


urlpatterns = [path("signed", SignedEchoView.as_view())]
