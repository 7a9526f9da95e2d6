"""The dashboard's forms: they turn browser input into clean values (or inline errors) before a
service sees it. Choices are always built from the caller's own workspace."""

import re
import zoneinfo
from datetime import UTC, date, datetime, time, timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone

from publishing.content import PinContent
from publishing.models import (
    WEBHOOK_EVENTS,
    WEEKDAYS,
    ApiKeyScope,
    ApprovalState,
    Asset,
    Board,
    PinComment,
    PinStatus,
    PinterestAccount,
    Team,
)
from publishing.permissions import Role
from publishing.services.compose import BoardTarget
from publishing.services.pins import REJECTION_REASON_LIMIT
from publishing.services.posting_queue import TIME_TEXT as SLOT_TIME_TEXT
from publishing.services.schedules import local_time_readings, next_valid_local_time

SEARCH_MAX_LENGTH = 100


def any_choice(label: str, choices) -> list[tuple[str, str]]:
    return [("", label), *choices]


def start_of_day(day) -> datetime:
    """Midnight of ``day`` in the active (workspace) time zone."""
    return timezone.make_aware(datetime.combine(day, time.min))


def account_choices(accounts) -> list[tuple[str, str]]:
    return [(str(account.public_id), str(account)) for account in accounts]


def board_choices(boards) -> list[tuple[str, str]]:
    return [(board.pinterest_board_id, f"{board.account} / {board.name}") for board in boards]


# Days a filter accepts: the ends of Python's calendar (year 1, year 9999) cannot be shifted by a
# day or a time zone without overflowing, which would be a 500 instead of an inline error.
FILTER_DAYS = (date(1900, 1, 1), date(9998, 12, 31))


class DateRangeMixin:
    """``date_from``/``date_to`` (inclusive days in the workspace zone) → a created_at filter."""

    def clean(self):
        cleaned = super().clean()
        for name in ("date_from", "date_to"):
            day = cleaned.get(name)
            if day and not FILTER_DAYS[0] <= day <= FILTER_DAYS[1]:
                self.add_error(name, f"Choose a day between {FILTER_DAYS[0]:%Y-%m-%d} and {FILTER_DAYS[1]:%Y-%m-%d}.")
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned

    def created_range_q(self, field: str = "created_at") -> Q:
        q = Q()
        if self.cleaned_data.get("date_from"):
            q &= Q(**{f"{field}__gte": start_of_day(self.cleaned_data["date_from"])})
        if self.cleaned_data.get("date_to"):
            q &= Q(**{f"{field}__lt": start_of_day(self.cleaned_data["date_to"] + timedelta(days=1))})
        return q


class PinFilterForm(DateRangeMixin, forms.Form):
    q = forms.CharField(label="Search titles, descriptions and links", required=False, max_length=SEARCH_MAX_LENGTH)
    status = forms.ChoiceField(label="Status", required=False, choices=any_choice("Any status", PinStatus.choices))
    approval = forms.ChoiceField(
        label="Approval", required=False, choices=any_choice("Any approval state", ApprovalState.choices)
    )
    account = forms.ChoiceField(label="Account", required=False)
    board = forms.ChoiceField(label="Board", required=False)
    date_from = forms.DateField(label="Created from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Created until", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, accounts, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = any_choice("Any account", account_choices(accounts))
        self.fields["board"].choices = any_choice("Any board", board_choices(boards))

    def filter(self, pins):
        """``pins`` narrowed by every valid filter (an invalid form narrows nothing)."""
        if not self.is_valid():
            return pins
        data = self.cleaned_data
        return pins.filtered(q=data["q"], status=data["status"], approval_state=data["approval"],
                             account_id=data["account"], board_id=data["board"]).filter(self.created_range_q())


def workspace_boards(workspace):
    """Live boards of the workspace's connected accounts, with the account loaded for labels."""
    return (
        Board.objects.filter(account__workspace=workspace, account__revoked_at__isnull=True, deleted_at__isnull=True)
        .select_related("account")
        .order_by("account__username", "name", "id")
    )


class AssetUploadForm(forms.Form):
    file = forms.FileField(
        label="Image or video", help_text="JPEG or PNG up to 20 MB; MP4, MOV or M4V video up to 2 GB."
    )

    def expected_kind(self) -> str:
        """The kind the member means to upload; the service checks the bytes agree."""
        content_type = getattr(self.cleaned_data["file"], "content_type", "") or ""
        return Asset.Kind.VIDEO if content_type.startswith("video/") else Asset.Kind.IMAGE


class AssetFilterForm(DateRangeMixin, forms.Form):
    q = forms.CharField(label="Search file names", required=False, max_length=SEARCH_MAX_LENGTH)
    asset_type = forms.ChoiceField(
        label="Type", required=False, choices=any_choice("Images and videos", Asset.Kind.choices)
    )
    usage = forms.ChoiceField(
        label="Use",
        required=False,
        choices=[("", "Used or not"), ("used", "In use by a pin"), ("unused", "Not in use")],
    )
    date_from = forms.DateField(label="Uploaded from", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Uploaded until", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def filter(self, assets):
        if not self.is_valid():
            return assets.listing()
        data = self.cleaned_data
        return assets.listing(
            q=data["q"] or None,
            asset_type=data["asset_type"] or None,
            in_use={"used": True, "unused": False}.get(data["usage"]),
        ).filter(self.created_range_q())


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label="Yes, I understand", required=False)


GRACE_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MAX_GRACE = timedelta(days=30)


class GracePeriodField(forms.MultiValueField):
    """A duration typed as a number and a unit ("24 hours")."""

    def __init__(self, **kwargs):
        fields = [forms.IntegerField(min_value=0), forms.ChoiceField(choices=[(u, u) for u in GRACE_UNITS])]
        widget = forms.MultiWidget([forms.NumberInput(attrs={"min": 0, "aria-label": "Grace period amount"}),
                                    forms.Select(choices=[(u, u) for u in GRACE_UNITS],
                                                 attrs={"aria-label": "Grace period unit"})])
        super().__init__(fields=fields, widget=widget, require_all_fields=True, **kwargs)

    def compress(self, data_list):
        if not data_list:
            return None
        amount, unit = data_list
        grace = timedelta(seconds=amount * GRACE_UNITS[unit])
        if grace > MAX_GRACE:
            raise forms.ValidationError("The grace period can be at most 30 days.")
        return grace


class ApiKeyRotateForm(forms.Form):
    grace = GracePeriodField(
        label="Keep the old key working for",
        initial=[24, "hours"],
        help_text="Long enough to deploy the new key everywhere; 0 stops the old key at once.",
    )


class ApiKeyForm(forms.Form):
    name = forms.CharField(label="Name", max_length=255, help_text="Where the key is used, e.g. “Shop sync worker”.")
    scopes = forms.MultipleChoiceField(
        label="Scopes",
        choices=ApiKeyScope.choices,
        initial=[ApiKeyScope.READ, ApiKeyScope.WRITE],
        widget=forms.CheckboxSelectMultiple,
        help_text="Destructive lets the key delete pins, boards and assets; Approve lets it approve and reject "
                  "pins held for approval.",
    )
    restrict_accounts = forms.BooleanField(label="Only these Pinterest accounts", required=False)
    accounts = forms.ModelMultipleChoiceField(
        label="Allowed accounts", queryset=PinterestAccount.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, to_field_name="public_id",
    )
    expires_on = forms.DateField(
        label="Expires on", required=False, widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Optional. The key stops working at the start of that day.",
    )

    def __init__(self, *args, workspace, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["accounts"].queryset = PinterestAccount.objects.for_workspace(workspace)

    def clean_expires_on(self):
        day = self.cleaned_data["expires_on"]
        if day and start_of_day(day) <= timezone.now():
            raise forms.ValidationError("Choose a day in the future.")
        return day

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("restrict_accounts") and not cleaned.get("accounts"):
            self.add_error("accounts", "Choose at least one account, or untick “Only these Pinterest accounts”.")
        return cleaned

    def allowed_accounts(self):
        return list(self.cleaned_data["accounts"]) if self.cleaned_data["restrict_accounts"] else None

    def expires_at(self):
        return start_of_day(self.cleaned_data["expires_on"]) if self.cleaned_data.get("expires_on") else None


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices())


class InvitationForm(forms.Form):
    email = forms.EmailField(label="Email address")
    role = forms.ChoiceField(label="Role", choices=Role.choices(), initial=Role.EDITOR)


class ApprovalRulesForm(forms.ModelForm):
    class Meta:
        model = Team
        fields = ["editor_pins_need_approval", "api_key_pins_need_approval", "allow_self_approval", "approval_steps"]
        labels = {
            "approval_steps": "Approvals a pin needs before it publishes",
            "editor_pins_need_approval": "Pins composed by editors need a manager's approval",
            "api_key_pins_need_approval": "Pins created with an API key need a manager's approval",
            "allow_self_approval": "Managers may approve pins they created themselves",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["approval_steps"].required = False  # left out: the team keeps its number of steps

    def clean_approval_steps(self):
        return self.cleaned_data.get("approval_steps") or self.instance.approval_steps


class AuditFilterForm(DateRangeMixin, forms.Form):
    action = forms.ChoiceField(label="Action", required=False)
    actor = forms.CharField(label="Who (email or key)", required=False, max_length=SEARCH_MAX_LENGTH)
    date_from = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, actions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = any_choice("Any action", [(a, a) for a in actions])

    def filter(self, events):
        if not self.is_valid():
            return events
        data = self.cleaned_data
        return events.filtered(action=data["action"], actor_text=data["actor"]).filter(self.created_range_q())


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time exactly as typed, without a zone. The schedule service places it in the
    workspace's zone, and explains times that daylight saving skips or repeats."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def to_python(self, value):
        with timezone.override(UTC):  # parse without any zone's gaps or overlaps
            parsed = super().to_python(value)
        return parsed.replace(tzinfo=None) if parsed else None

    def prepare_value(self, value):
        return value.replace(tzinfo=None) if isinstance(value, datetime) and timezone.is_naive(value) else value


class ComposeForm(forms.Form):
    """What a member types to make a pin. Field names are the pin service's, so its refusals land
    beside the right field; the limits are PinContent's (for live counters; the service checks them too)."""

    account_id = forms.ChoiceField(label="Pinterest account")
    board_id = forms.ChoiceField(label="Board")
    asset_id = forms.ChoiceField(label="Image or video from the library")
    # A video pin's cover: an image asset (a key frame of the video becomes one when picked).
    cover_image_asset_id = forms.ChoiceField(label="Cover image", required=False)
    title = forms.CharField(label="Title", max_length=PinContent.title.max_length)
    description = forms.CharField(label="Description", max_length=PinContent.description.max_length, required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    link_url = forms.URLField(label="Link", max_length=PinContent.link_url.max_length, required=False,
                              assume_scheme="https", help_text="Where the pin leads, e.g. https://example.com/product.")
    alt_text = forms.CharField(label="Alt text", max_length=PinContent.alt_text.max_length, required=False,
                               help_text="Describes the image for people using screen readers.")
    # Read from the image by the server (services/colors.py) unless the member overrides it: a
    # colour input always sends a value (black when untouched), so only the tick makes it count.
    # The pin service checks whatever comes back (#RRGGBB): a forged value is an inline error.
    dominant_color_override = forms.BooleanField(label="Choose the dominant colour myself", required=False)
    dominant_color = forms.CharField(label="Dominant colour", required=False,
                                     max_length=PinContent.dominant_color.max_length,
                                     widget=forms.TextInput(attrs={"type": "color"}),
                                     help_text="Pinterest shows it while the image loads; by default it is read from "
                                               "the image.")
    # More boards, of any connected account: one pin (or schedule) each, all or none.
    also_boards = forms.MultipleChoiceField(label="Also publish to", required=False,
                                            widget=forms.CheckboxSelectMultiple)
    when = forms.ChoiceField(label="When", choices=[("now", "Publish now"), ("schedule", "Schedule")],
                             initial="now", widget=forms.RadioSelect)
    run_at = WallClockDateTimeField(label="Publish at", required=False)
    # Offered only when the chosen time happens twice (the clocks go back): which of the two.
    run_at_fold = forms.TypedChoiceField(label="Which one?", required=False, coerce=int, empty_value=None,
                                         choices=[(0, "The first"), (1, "The second")], widget=forms.RadioSelect)
    # The "Use <next valid time>" button under a time the clocks skip.
    run_at_next_valid = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # Chosen when the form is first shown, so a double submit repeats the same key: one pin.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=PinContent.idempotency_key.max_length)
    # The draft this form was resumed from: saving overwrites it, publishing deletes it.
    draft_id = forms.CharField(required=False, max_length=64, widget=forms.HiddenInput)

    def __init__(self, *args, accounts, boards, assets, all_boards=(), zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.board_errors: dict[str, str] = {}  # "<account id>:<board id>" → why that board refused
        self.next_valid_time = None  # set when the chosen time is one the clocks skip
        self.fold_offered = False  # set when the chosen time is one the clocks repeat
        self.fields["also_boards"].choices = [
            (f"{b.account.public_id}:{b.pinterest_board_id}", f"{b.account} / {b.name}") for b in all_boards
        ]
        self.fields["account_id"].choices = any_choice("Choose an account", account_choices(accounts))
        self.fields["board_id"].choices = any_choice(
            "Choose a board", [(b.pinterest_board_id, b.name) for b in boards]
        )
        self.assets = list(assets)  # the library picker's cards (ComposeForm.recent_assets of them)
        self.recent_assets = len(self.assets)
        self.fields["cover_image_asset_id"].choices = any_choice(
            "Pinterest's default", [(str(a.public_id), a.original_filename) for a in self.assets
                                    if a.asset_type == Asset.Kind.IMAGE])
        self.fields["asset_id"].choices = any_choice(
            "Choose an upload", [(str(a.public_id), f"{a.original_filename} ({a.get_asset_type_display().lower()})")
                                 for a in assets]
        )
        for name in ("title", "description", "alt_text", "link_url"):
            self.fields[name].widget.attrs["data-counter"] = self.fields[name].max_length

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("when") == "schedule" and cleaned.get("run_at") is None and "run_at" not in self.errors:
            self.add_error("run_at", "Choose when to publish.")
        if cleaned.get("when") == "schedule" and cleaned.get("run_at") is not None and self.zone is not None:
            self._clean_daylight_saving(cleaned)
        return cleaned

    def _clean_daylight_saving(self, cleaned):
        """A time the clocks repeat becomes a choice of two; one they skip names the next valid time
        (the schedule service reads times the same way, through ``local_time_readings``)."""
        local, zone = cleaned["run_at"], self.zone
        readings = local_time_readings(local, zone)
        if len(readings) == 2:
            self.fold_offered = True
            self.fields["run_at_fold"].choices = [
                (fold, f"{moment:%H:%M} {moment.tzname()} ({'first' if fold == 0 else 'second'})")
                for fold, moment in enumerate(readings)
            ]
            if cleaned.get("run_at_fold") is None:
                first, second = readings
                self.add_error("run_at_fold", (
                    f"{local:%H:%M} on {local:%-d %B} happens twice in {zone.key}: the clocks go back from "
                    f"{first.tzname()} to {second.tzname()}. Choose which one."))
        elif not readings:
            next_valid = next_valid_local_time(local, zone)
            if cleaned.get("run_at_next_valid"):
                cleaned["run_at"] = next_valid
                return
            self.next_valid_time = next_valid
            self.add_error("run_at", (
                f"{local:%H:%M} on {local:%-d %B} does not exist in {zone.key}: the clocks skip forward "
                f"for summer time. The next valid time is {next_valid:%H:%M}."))

    def also_board_rows(self):
        """Each "also publish to" checkbox with the refusal of its board, if it refused."""
        return [{"widget": widget, "error": self.board_errors.get(str(widget.data["value"]))}
                for widget in self["also_boards"]]

    def primary_board_error(self) -> str | None:
        """The refusal of the board chosen in the select, when several boards were submitted."""
        if not self.board_errors:
            return None
        return self.board_errors.get(f"{self.data.get('account_id')}:{self.data.get('board_id')}")

    def targets(self) -> list[BoardTarget]:
        """The board chosen above, then the ticked ones (each once)."""
        chosen = [BoardTarget(self.cleaned_data["account_id"], self.cleaned_data["board_id"])]
        chosen += [BoardTarget(*value.split(":", 1)) for value in self.cleaned_data.get("also_boards") or ()]
        return list(dict.fromkeys(chosen))

    def chosen_asset(self):
        value = str(self["asset_id"].value() or "")
        return next((a for a in self.assets if str(a.public_id) == value), None)

    def cover_video(self):
        """The chosen asset when it is a video (its cover picker is shown), else None."""
        asset = self.chosen_asset()
        return asset if asset is not None and asset.asset_type == Asset.Kind.VIDEO else None

    def cover_images(self):
        return [a for a in self.assets if a.asset_type == Asset.Kind.IMAGE]

    def text_fields(self):
        return [self[name] for name in ("title", "description", "link_url", "alt_text")]

    def pin_data(self) -> dict:
        """The payload for ``pin_create`` (and a schedule's pin)."""
        names = (
            "account_id",
            "board_id",
            "asset_id",
            "title",
            "description",
            "link_url",
            "alt_text",
            "dominant_color",
            "idempotency_key",
        )
        data = {name: self.cleaned_data[name] for name in names}
        if self.cleaned_data.get("cover_image_asset_id") and self.cover_video() is not None:
            data["cover_image_asset_id"] = self.cleaned_data["cover_image_asset_id"]
        return data


class RejectForm(forms.Form):
    reason = forms.CharField(label="Reason for rejecting", max_length=REJECTION_REASON_LIMIT,
                             help_text="The editor sees this; say what to change.")


class BulkApproveForm(forms.Form):
    ids = forms.TypedMultipleChoiceField(label="Pins", coerce=str)

    def __init__(self, *args, pin_ids, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ids"].choices = [(str(pin_id), str(pin_id)) for pin_id in pin_ids]
        self.fields["ids"].error_messages["required"] = "Tick at least one pin to approve."


class PinEditForm(forms.Form):
    board_id = forms.ChoiceField(label="Board")
    title = ComposeForm.base_fields["title"]
    description = ComposeForm.base_fields["description"]
    link_url = ComposeForm.base_fields["link_url"]
    alt_text = ComposeForm.base_fields["alt_text"]

    def __init__(self, *args, boards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["board_id"].choices = [(b.pinterest_board_id, b.name) for b in boards]
        for name in ("title", "description", "alt_text", "link_url"):
            self.fields[name].widget.attrs["data-counter"] = self.fields[name].max_length


class PinDeleteForm(forms.Form):
    delete_from_pinterest = forms.BooleanField(label="Also delete it from Pinterest", required=False)


class PinCommentForm(forms.Form):
    # Django's CharField refuses NUL characters itself; the service checks blank and length again.
    body = forms.CharField(label="Comment", max_length=PinComment.BODY_MAX_LENGTH,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text="@name mentions the team member whose email address starts with name@.")


class BoardCreateForm(forms.Form):
    name = forms.CharField(label="Board name", max_length=180)
    description = forms.CharField(label="Description", max_length=500, required=False)
    privacy = forms.ChoiceField(label="Privacy", choices=[("PUBLIC", "Public"), ("SECRET", "Secret")], initial="PUBLIC")


class WebhookForm(forms.Form):
    url = forms.URLField(label="Endpoint URL", max_length=2048, assume_scheme="https",
                         help_text="Pinboard POSTs JSON here, signed with HMAC-SHA256 in X-PinBridge-Signature.")
    events = forms.MultipleChoiceField(label="Events", choices=[(e, e) for e in WEBHOOK_EVENTS],
                                       initial=["pin.published", "pin.failed"], widget=forms.CheckboxSelectMultiple)


class RescheduleForm(forms.Form):
    run_at = WallClockDateTimeField(label="New time")


class ReviewLinkForm(forms.Form):
    """Sending pins and schedules awaiting approval to a guest reviewer (services.review_links)."""

    pin_ids = forms.MultipleChoiceField(label="Pins to send", required=False, widget=forms.CheckboxSelectMultiple)
    schedule_ids = forms.MultipleChoiceField(label="Schedules to send", required=False,
                                             widget=forms.CheckboxSelectMultiple)
    guest_name = forms.CharField(label="Guest's name (optional)", required=False, max_length=120)
    guest_email = forms.EmailField(label="Guest's email (optional, not sent: you send the link)", required=False)
    expires_in_days = forms.IntegerField(label="The link works for (days)", min_value=1, max_value=30, initial=7)

    def __init__(self, *args, pins=(), schedules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pin_ids"].choices = [(str(pin.public_id), pin.title) for pin in pins]
        self.fields["schedule_ids"].choices = [(str(s.public_id), f"{s.title} ({s.run_at:%d %b %H:%M} UTC)")
                                               for s in schedules]


class PinBulkForm(forms.Form):
    """The pins list's bulk bar: one action for the ticked pins (ids are checked by the service,
    which reports another workspace's or an unknown id as not found)."""

    ACTIONS = {"retry": "pin.retry", "retry_at": "pin.retry", "approve": "pin.approve", "delete": "pin.delete"}
    MAX_IDS = 100
    NOUN = "pin"

    action = forms.ChoiceField(choices=[("retry", "Retry"), ("retry_at", "Retry at"), ("approve", "Approve"),
                                        ("delete", "Delete")])
    ids = forms.Field(required=False, widget=forms.MultipleHiddenInput)
    # "Retry at…": a wall-clock time in the workspace's zone (the schedules' DST rules place it).
    run_at = WallClockDateTimeField(label="Retry at", required=False,
                                    error_messages={"required": "Choose the date and time to retry at."})

    def clean_ids(self):
        ids = [str(value).strip() for value in self.cleaned_data.get("ids") or () if str(value).strip()]
        if not ids:
            raise forms.ValidationError(f"Tick at least one {self.NOUN} first.")
        if len(ids) > self.MAX_IDS:
            raise forms.ValidationError(f"Act on at most {self.MAX_IDS} {self.NOUN}s at a time.")
        return list(dict.fromkeys(value[:64] for value in ids))

    # The fields each action reads: another action's half-typed time must not block this one.
    ACTION_FIELDS = {"retry_at": ("run_at",)}

    def clean(self):
        data = super().clean()
        needed = self.ACTION_FIELDS.get(data.get("action") or "", ())
        for name in {name for names in self.ACTION_FIELDS.values() for name in names} - set(needed):
            self._errors.pop(name, None)
            data.pop(name, None)
        for name in needed:
            if data.get(name) in (None, "") and name not in self._errors:
                self.add_error(name, self.fields[name].error_messages["required"])
        return data


class ScheduleBulkRescheduleForm(PinBulkForm):
    """The calendar's "Move the ticked schedules": to one time, or by a number of days."""

    ACTIONS = {"move_to": "schedule.update", "move_by": "schedule.update"}
    NOUN = "schedule"

    ACTION_FIELDS = {"move_to": ("run_at",), "move_by": ("shift_days",)}

    action = forms.ChoiceField(choices=[("move_to", "Move to"), ("move_by", "Move by days")])
    run_at = WallClockDateTimeField(label="Move to", required=False,
                                    error_messages={"required": "Choose the date and time to move them to."})
    shift_days = forms.IntegerField(label="Move by (days)", required=False, help_text="Negative moves earlier.",
                                    error_messages={"required": "Give a number of days, e.g. 1 or -2."})


class PinImportForm(forms.Form):
    """An import file: the CSV or JSON that ``POST /v1/pins/imports/csv|json`` accepts."""

    file = forms.FileField(label="CSV or JSON file",
                           help_text="A .csv file with a header line, or a .json array of pins.")


class BoardEditForm(BoardCreateForm):
    """A board's name, description and privacy, changed on Pinterest through ``board_update``."""


class TimeZoneForm(forms.Form):
    """The workspace's time zone: one of the IANA zones (anything else is an inline error)."""

    time_zone = forms.ChoiceField(label="Time zone", help_text="Schedules keep their moment in UTC when it changes.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [(name, name) for name in sorted(zoneinfo.available_timezones())]


class PostingSlotsForm(forms.Form):
    """An account's weekly posting slots: for each day, its times as HH:MM separated by commas."""

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        for weekday, name in enumerate(WEEKDAYS):
            times = ", ".join(f"{slot.local_time:%H:%M}" for slot in slots if slot.weekday == weekday)
            self.fields[f"day_{weekday}"] = forms.CharField(
                label=name, required=False, initial=times, max_length=400,
                widget=forms.TextInput(attrs={"placeholder": "e.g. 09:00, 18:30", "inputmode": "numeric"}))

    def clean(self):
        cleaned = super().clean()
        for weekday in range(7):
            name = f"day_{weekday}"
            for text in re.split(r"[,\s]+", cleaned.get(name) or ""):
                if text and not SLOT_TIME_TEXT.fullmatch(text):
                    self.add_error(name, f"“{text}” is not a time: write times as HH:MM (00:00 to 23:59), "
                                         "separated by commas.")
                    break
        return cleaned

    def slots(self) -> list[dict]:
        return [{"weekday": weekday, "time": text} for weekday in range(7)
                for text in re.split(r"[,\s]+", self.cleaned_data.get(f"day_{weekday}") or "") if text]
