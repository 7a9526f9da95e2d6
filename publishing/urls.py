from django.urls import path

from publishing import views

urlpatterns = [
    path("", views.overview, name="overview"),
    path("workspace/switch", views.switch_workspace, name="switch_workspace"),
]
