"""The sandbox payment provider's hosted "bank" pages, under /payments/ beside the callbacks."""

from django.urls import path

from sandbox import views

urlpatterns = [
    path("sandbox-bank/<str:session_id>/", views.bank_page, name="sandbox-bank"),
    path("sandbox-bank/<str:session_id>/decide", views.bank_decide, name="sandbox-bank-decide"),
]
