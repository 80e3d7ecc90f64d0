from django.contrib import admin
from django.urls import path

admin.site.site_header = "Tessera back office"
admin.site.site_title = "Tessera"
admin.site.index_title = "Orders, suppliers and money"

urlpatterns = [
    path("admin/", admin.site.urls),
]
