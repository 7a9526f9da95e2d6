"""A staff-only page to script faults and move the sandbox clock by hand (what tests do through
``pinterest_sandbox.faults``)."""

from django import forms
from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from pinterest_sandbox import conf, faults
from pinterest_sandbox.clock import sandbox_now
from pinterest_sandbox.models import FaultRule, MediaUpload, SandboxUser

KIND_CHOICES = [
    ("error", "Answer with an error (status, code, message)"),
    ("bad_gateway_html", "Answer 502 with an HTML page (not JSON)"),
    ("rate_limit", "Answer 429 code 8 (reset after N seconds)"),
    ("spam_block", "Pin creation blocked as spam (429)"),
    ("latency", "Answer late (seconds)"),
    ("drop", "Drop the connection, doing nothing"),
    ("timeout_after", "Do the work, then withhold the answer (seconds)"),
    ("drop_after", "Do the work, then drop the connection"),
    ("image_too_small", "Pin image too small (403 code 233)"),
    ("image_broken", "Pin image broken (403 code 235)"),
    ("image_unreachable", "Pin image could not be fetched"),
    ("media_stuck", "Next registered video stays processing"),
    ("media_fail", "Next registered video fails"),
    ("upload_policy_expired", "Next upload refused: policy expired (403)"),
]


class FaultForm(forms.Form):
    kind = forms.ChoiceField(choices=KIND_CHOICES)
    endpoint = forms.ChoiceField(choices=[(faults.ANY, "any endpoint")] + [(e, e) for e in faults.ENDPOINTS])
    status = forms.IntegerField(required=False, min_value=400, max_value=599)
    code = forms.IntegerField(required=False, min_value=0, max_value=10**9)
    message = forms.CharField(required=False, max_length=500)
    seconds = forms.FloatField(required=False, min_value=0, max_value=600)
    times = forms.IntegerField(
        required=False, min_value=1, max_value=10_000, help_text="Blank: until cleared"
    )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"]
        if "\x00" in message:
            raise forms.ValidationError("NUL characters are not allowed.")
        return message

    def clean(self):
        data = super().clean()
        kind = data.get("kind")
        if kind == "error" and not data.get("status"):
            self.add_error("status", "An error needs a status.")
        if kind in ("latency", "timeout_after") and data.get("seconds") is None:
            self.add_error("seconds", "Say how many seconds.")
        return data

    def apply(self) -> None:
        d = self.cleaned_data
        kind, endpoint, times, seconds = d["kind"], d["endpoint"], d["times"], d["seconds"]
        builders = {
            "error": lambda: faults.inject(
                endpoint=endpoint,
                status=d["status"],
                code=d["code"],
                message=d["message"] or None,
                times=times,
            ),
            "bad_gateway_html": lambda: faults.bad_gateway_html(endpoint=endpoint, times=times),
            "rate_limit": lambda: faults.rate_limit_burst(
                endpoint=endpoint, times=times, reset_seconds=int(seconds or 30)
            ),
            "spam_block": lambda: faults.spam_block(times=times),
            "latency": lambda: faults.latency(endpoint=endpoint, seconds=seconds, times=times),
            "drop": lambda: faults.drop_connection(endpoint=endpoint, times=times),
            "timeout_after": lambda: faults.timeout_after_create(
                endpoint=endpoint, seconds=seconds, times=times
            ),
            "drop_after": lambda: faults.drop_connection_after_create(endpoint=endpoint, times=times),
            "image_too_small": lambda: faults.image_failure(kind="too_small", times=times),
            "image_broken": lambda: faults.image_failure(kind="broken", times=times),
            "image_unreachable": lambda: faults.image_failure(kind="unreachable", times=times),
            "media_stuck": lambda: faults.media_stuck_processing(times=times),
            "media_fail": lambda: faults.media_fail(times=times),
            "upload_policy_expired": lambda: faults.upload_policy_expired(times=times),
        }
        builders[kind]()


class ClockForm(forms.Form):
    advance_seconds = forms.FloatField(min_value=-10 * 365 * 86400, max_value=10 * 365 * 86400)


@staff_member_required
@require_http_methods(["GET", "POST"])
def control(request: HttpRequest) -> HttpResponse:
    fault_form, clock_form = FaultForm(), ClockForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add_fault":
            fault_form = FaultForm(request.POST)
            if fault_form.is_valid():
                fault_form.apply()
                messages.success(request, "Fault added.")
                return redirect("pinterest_sandbox:control")
        elif action == "clear_faults":
            faults.clear()
            messages.success(request, "All faults cleared.")
            return redirect("pinterest_sandbox:control")
        elif action == "delete_fault":
            fault_id = request.POST.get("fault_id", "")
            if fault_id.isdigit():
                FaultRule.objects.filter(pk=int(fault_id)).delete()
            return redirect("pinterest_sandbox:control")
        elif action == "advance_clock":
            clock_form = ClockForm(request.POST)
            if clock_form.is_valid():
                faults.advance_clock(clock_form.cleaned_data["advance_seconds"])
                messages.success(request, "Clock moved.")
                return redirect("pinterest_sandbox:control")
        elif action == "reset_clock":
            faults.reset_clock()
            return redirect("pinterest_sandbox:control")
    context = {
        "fault_form": fault_form,
        "clock_form": clock_form,
        "faults": FaultRule.objects.all(),
        "now": sandbox_now(),
        "rate_limit": conf.rate_limit_per_minute(),
        "user_count": SandboxUser.objects.count(),
        "processing": MediaUpload.objects.filter(status=MediaUpload.Status.PROCESSING).count(),
    }
    status = 400 if fault_form.errors or clock_form.errors else 200
    return render(request, "pinterest_sandbox/control.html", context, status=status)
