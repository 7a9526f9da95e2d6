from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from pinboard_site import views as site_views
from pinboard_site.forms import EmailAuthenticationForm

admin.site.site_header = "Pinboard administration"
admin.site.site_title = "Pinboard admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", site_views.root, name="root"),
    path("app/", include("publishing.urls")),
    path("sandbox/pinterest/", include("pinterest_sandbox.urls")),
]
