from django.urls import path

from ops import views

urlpatterns = [
    path("health/live", views.live, name="health-live"),
    path("health/ready", views.ReadinessView.as_view(), name="health-ready"),
    path("metrics", views.metrics, name="metrics"),
]
