"""The dashboard's password-reset request, through the same queued job as /v1/auth/forgot-password.

Django's own form looks the address up and sends the mail inside the request, so the answer's
timing tells whether an account exists; here the request only queues the job (for any address)
and the job looks it up and mails.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm

from publishing.services.auth import password_reset_request


class QueuedPasswordResetForm(PasswordResetForm):
    def save(self, *args, **kwargs) -> None:
        password_reset_request(email=self.cleaned_data["email"])


password_reset = auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm)
