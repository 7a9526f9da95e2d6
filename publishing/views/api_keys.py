from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_POST
from django_htmx.http import trigger_client_event

from publishing.access import team_context_or_404
from publishing.forms import GRACE_UNITS, ApiKeyForm, ApiKeyRotateForm
from publishing.lookups import api_key_for_workspace_or_404
from publishing.models import ApiKey
from publishing.services.errors import DomainError
from publishing.services.keys import api_key_create, api_key_revoke, api_key_rotate, api_key_update
from publishing.views.common import attempt, render_page, submit

TEMPLATE = "publishing/api_keys/list.html"


def page(request, ctx, *, form=None, issued=None, issued_for=None, status=200, fragment=None):
    """The keys page; ``issued`` is a just-made secret, shown in this one response and never again."""
    response = render_page(
        request,
        TEMPLATE,
        {
            "ctx": ctx,
            "keys": ApiKey.objects.for_workspace(ctx.workspace).select_related("replaced_by"),
            "form": form or ApiKeyForm(workspace=ctx.workspace),
            "grace_units": GRACE_UNITS,
            "issued": issued,
            "issued_for": issued_for,
        },
        status=status,
        fragment=fragment,
    )
    if issued:
        add_never_cache_headers(response)  # no copy of the secret in any cache or the back button
    return response


@login_required
def api_key_list(request):
    """The workspace's keys (never their secrets), for whoever may list them (admins: ``api_key.list``,
    as in /v1); the menu hides the page from the other roles and a typed-in address gets a 403."""
    ctx = team_context_or_404(request, "api_key.list")
    return page(request, ctx)


@login_required
@require_POST
def api_key_create_view(request):
    ctx = team_context_or_404(request, "api_key.create")
    form = ApiKeyForm(request.POST, workspace=ctx.workspace)
    issued = submit(form, lambda: api_key_create(
        name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
        accounts=form.allowed_accounts(), expires_at=form.expires_at(), actor=ctx.actor,
    ))
    if issued is not None:
        response = page(request, ctx, issued=issued.plaintext, issued_for=issued.key, fragment="keys_area")
        return trigger_client_event(response, "apiKeyIssued", {"prefix": issued.key.prefix})
    return page(request, ctx, form=form, status=422, fragment="keys_area")


@login_required
@require_POST
def api_key_rotate_view(request, public_id):
    ctx = team_context_or_404(request, "api_key.rotate")
    key = api_key_for_workspace_or_404(ctx.actor, public_id)
    form = ApiKeyRotateForm(request.POST)
    if not form.is_valid():
        reasons = " ".join(problem for problems in form.errors.values() for problem in problems)
        return render_page(request, f"{TEMPLATE}#key_error",
                           {"error": {"message": f"The key was not rotated: {reasons}"}}, status=422)
    issued = attempt(lambda: api_key_rotate(key=key, grace=form.cleaned_data["grace"], actor=ctx.actor))
    if isinstance(issued, DomainError):
        return render_page(request, f"{TEMPLATE}#key_error", {"error": issued}, status=issued.status_hint)
    return page(request, ctx, issued=issued.plaintext, issued_for=issued.key, fragment="keys_area")


@login_required
@require_POST
def api_key_revoke_view(request, public_id):
    ctx = team_context_or_404(request)
    api_key_revoke(key=api_key_for_workspace_or_404(ctx.actor, public_id), actor=ctx.actor)
    return page(request, ctx, fragment="keys_area")


@login_required
def api_key_edit(request, public_id):
    ctx = team_context_or_404(request, "api_key.update")
    key = api_key_for_workspace_or_404(ctx.actor, public_id)
    initial = {
        "name": key.name,
        "scopes": key.scopes,
        "restrict_accounts": key.restricts_accounts,
        "accounts": list(key.allowed_accounts.all()),
        "expires_on": None,
    }
    form = ApiKeyForm(request.POST if request.method == "POST" else None, workspace=ctx.workspace, initial=initial)
    del form.fields["expires_on"]  # expiry is set at creation or by rotation, not edited
    if request.method == "POST" and submit(form, lambda: api_key_update(
        key=key, name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"],
        accounts=form.allowed_accounts(), actor=ctx.actor,
    )):
        messages.success(request, f"Saved the key “{form.cleaned_data['name']}”.")
        return redirect("api_keys")
    return render_page(
        request, "publishing/api_keys/edit.html", {"ctx": ctx, "key": key, "form": form},
        status=422 if form.errors else 200
    )
