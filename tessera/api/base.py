"""The base of every partner API view: key auth, JSON only, rate limits, problem errors."""

from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from tessera.api.auth import ApiKeyAuthentication, IsPartner
from tessera.api.fields import ProblemSerializer
from tessera.api.parsers import SafeJSONParser
from tessera.api.throttling import PartnerClientThrottle


class PartnerAPIView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [IsPartner]
    throttle_classes = [PartnerClientThrottle]
    parser_classes = [SafeJSONParser]
    renderer_classes = [JSONRenderer]

    @staticmethod
    def validated(serializer_class: type[serializers.Serializer], request) -> dict:
        if not isinstance(request.data, dict):
            raise serializers.ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


def _problems(*statuses: int) -> dict[int, OpenApiResponse]:
    return {
        code: OpenApiResponse(ProblemSerializer, description="application/problem+json") for code in statuses
    }


def read_errors() -> dict[int, OpenApiResponse]:
    return _problems(400, 401, 404, 429)


def write_errors() -> dict[int, OpenApiResponse]:
    return _problems(400, 401, 402, 403, 404, 409, 413, 415, 422, 429)
