"""Seed a demo team, or create exactly one user in a team (how a production server gets its first admin).

Idempotent: running it again changes nothing that is already as asked. A user that exists keeps its
password (``make run`` calls this on every start; it must not undo a password someone changed)
unless ``--reset-password`` says otherwise.

The demo cast logs in with a password printed in the README, so it is refused when DEBUG is off.
``--email`` works everywhere; its password comes from ``--password``, from the variable named by
``--password-env`` (keeps it out of shell history and ``ps``), or from a prompt, and is never printed.
"""

import getpass
import os

import httpx
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.core.wsgi import get_wsgi_application
from django.db import transaction

from publishing.management.sandbox_connect import account_connect_sandbox
from publishing.models import (
    AnalyticsCollectionRun,
    Board,
    Membership,
    Pin,
    PinStatus,
    PinterestAccount,
    Team,
    User,
    Workspace,
)
from publishing.permissions import Role
from publishing.pinterest.factory import pinterest_transport
from publishing.services.analytics_collection import collect_account
from publishing.services.pinterest_access import pinterest_for
from publishing.services.teams import membership_set_role, team_create

DEMO_TEAM = "Demo team"
DEMO_PASSWORD = "pinboard-demo"
DEMO_USERS = [(f"{role.value}@demo.pinboard.test", role.value) for role in Role]
# The demo account's published history: (title, days ago on the sandbox), 2 to 60 days back.
DEMO_HISTORY = [("Oak reading chair", 2), ("Linen sofa in sage", 5), ("Walnut side table", 8),
                ("Rattan pendant lamp", 12), ("Wool rug, terracotta", 16), ("Ceramic vase trio", 20),
                ("Bouclé armchair", 25), ("Marble coffee table", 30), ("Brass floor lamp", 37),
                ("Velvet cushions", 44), ("Teak bookshelf", 52), ("Jute basket set", 60)]
DEMO_HISTORY_KEY = "demo-history-"
DEMO_HISTORY_LINK = "https://shop.example.com/demo"
DEMO_HISTORY_IMAGES = "https://images.example.com/demo-"


class Command(BaseCommand):
    help = ("Create the demo team with one user per role (DEBUG only), or (with --email) one user in --team. "
            "Existing users keep their password unless --reset-password is given.")

    def add_arguments(self, parser):
        parser.add_argument("--team", default=DEMO_TEAM, help="Team name (created when missing).")
        parser.add_argument("--email", help="Create or update only this user.")
        parser.add_argument("--password", help="Password for a new --email user (visible in shell history).")
        parser.add_argument("--password-env", metavar="VAR",
                            help="Read the password for --email from environment variable VAR.")
        parser.add_argument("--reset-password", action="store_true",
                            help="Also set the password of an --email user who exists already.")
        parser.add_argument("--superuser", action="store_true",
                            help="Give the --email user the Django admin panel (staff and superuser).")
        parser.add_argument("--role", choices=[role.value for role in Role], default=Role.EDITOR.value)
        parser.add_argument("--timezone", default="UTC", help="Time zone of a newly created team's workspace.")

    def handle(self, *args, **options):
        self.password_hashes: dict[str, str] = {}
        seeding_demo_cast = not options["email"]
        if seeding_demo_cast:
            if not settings.DEBUG:
                raise CommandError(
                    "The demo cast logs in with a published password, so it only runs with DEBUG=true. "
                    "To create a real user: manage.py demo --team NAME --email EMAIL --role admin "
                    "--password-env VAR (or answer the prompt)."
                )
            users = [(email, role, DEMO_PASSWORD) for email, role in DEMO_USERS]
        else:
            try:
                validate_email(options["email"])
            except ValidationError:
                raise CommandError(f"{options['email']!r} is not an email address") from None
            users = [(options["email"], options["role"], self.password_from(options))]

        with transaction.atomic():
            team = self.ensure_team(options["team"], options["timezone"])
            for email, role, password in users:
                user = self.ensure_user(team, email, role, password, reset=options["reset_password"])
                superuser = (seeding_demo_cast and role == Role.ADMIN) or options["superuser"]
                if superuser and not user.is_superuser:
                    # The demo's admin also operates the server, so it may use the Django admin panel.
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
        # Outside the transaction: connecting an account talks to Pinterest (the sandbox) over HTTP,
        # and no transaction is held across such calls. Development only: a production team connects
        # its own accounts.
        if settings.DEBUG:
            self.after_seed(team)

        self.stdout.write(self.style.SUCCESS(f"Team {team.name!r} is ready."))
        self.stdout.write("Log in at /accounts/login/ with:")
        for email, role, _password in users:
            # Only the demo's published password is ever printed; a real one would end up in logs.
            shown = DEMO_PASSWORD if seeding_demo_cast else "(the password you gave)"
            self.stdout.write(f"  {role:<8} {email} / {shown}")

    def password_from(self, options) -> str:
        """The --email user's password: --password, --password-env VAR, or a prompt on a terminal."""
        if options["password"] and options["password_env"]:
            raise CommandError("Give --password or --password-env, not both")
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"--password-env: environment variable {options['password_env']} is empty or unset")
        elif options["password"]:
            password = options["password"]
        elif self.stdin_is_a_terminal():
            password = getpass.getpass(f"Password for {options['email']}: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The passwords do not match")
        else:
            raise CommandError("--password, --password-env or a terminal to prompt on is required with --email")
        try:
            validate_password(password, user=User(email=options["email"]))
        except ValidationError as error:
            raise CommandError("Password refused: " + " ".join(error.messages)) from None
        return password

    def password_hash(self, password: str) -> str:
        """The demo cast shares one published password: it is hashed once per run, not once per user
        (a hash costs about half a second of CPU, on the way to `make run`'s first page)."""
        if password not in self.password_hashes:
            self.password_hashes[password] = make_password(password)
        return self.password_hashes[password]

    @staticmethod
    def stdin_is_a_terminal() -> bool:
        return os.isatty(0)

    def ensure_team(self, name: str, timezone: str) -> Team:
        team = Team.objects.filter(name=name).order_by("id").first()
        return team or team_create(name=name, timezone=timezone)

    def ensure_user(self, team: Team, email: str, role: str, password: str, *, reset: bool = False) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=None, full_name=email.split("@")[0].title())
            user.password = self.password_hash(password)
            user.save(update_fields=["password"])
        elif reset and not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        membership_set_role(team=team, user=user, role=role)
        return user

    def after_seed(self, team: Team) -> None:
        """Connect a sandbox Pinterest account with a few boards to the team's sandbox workspace,
        through the real OAuth code flow, unless a live one is connected already; then give it a
        published history (``seed_history``) unless it has one."""
        workspace = Workspace.objects.for_team(team).filter(environment=Workspace.Environment.SANDBOX).first()
        if workspace is None:
            return
        connected = PinterestAccount.objects.for_workspace(workspace).first()
        if connected is not None:
            self.stdout.write(f"Sandbox Pinterest account @{connected.username} is already connected.")
            if connected.revoked_at is not None or connected.reconnect_required or history_seeded(connected):
                return  # the warm path (every `make run`): two queries, no HTTP
        admin = Membership.objects.for_team(team).filter(role=Role.ADMIN).order_by("id").first()
        # No web server is listening yet, so the sandbox is reached in-process, through Django's
        # WSGI application: the same views and the same HTTP requests a browser would make.
        with pinterest_transport(httpx.WSGITransport(app=get_wsgi_application())):
            account = connected
            if account is None:
                account = account_connect_sandbox(workspace=workspace, user=admin.user if admin else None)
                boards = Board.objects.for_account(account).count()
                self.stdout.write(f"Connected sandbox Pinterest account @{account.username} with {boards} boards.")
            self.seed_history(account, user=admin.user if admin else None)

    def seed_history(self, account: PinterestAccount, *, user: User | None) -> None:
        """A few pins published on the sandbox 2 to 60 days ago, and their analytics collected, so the
        analytics page has charts on first open. The pins are created on the sandbox over HTTP (the
        Pinterest client), backdated there with the sandbox's seeding hook (its figures follow a pin's
        age) and recorded here as published at the same moment; the figures then come from the sandbox
        through the ordinary backfill (``collect_account``), never written here directly. Only the
        missing parts: no pins if the account has its demo pins, no backfill after a successful one."""
        from pinterest_sandbox.seed import sandbox_pin_backdate  # development seeding only

        created = 0
        if not Pin.objects.filter(account=account, idempotency_key__startswith=DEMO_HISTORY_KEY).exists():
            boards = list(Board.objects.for_account(account).order_by("id").values_list("pinterest_board_id",
                                                                                        flat=True))
            if not boards:
                return
            with pinterest_for(account) as client:
                remote = [client.pin_create(board_id=boards[n % len(boards)], title=title, link=DEMO_HISTORY_LINK,
                                            media_source={"source_type": "image_url",
                                                          "url": f"{DEMO_HISTORY_IMAGES}{n + 1}.jpg"})
                          for n, (title, _days) in enumerate(DEMO_HISTORY)]
            Pin.objects.bulk_create([
                Pin(workspace=account.workspace, account=account, idempotency_key=f"{DEMO_HISTORY_KEY}{n + 1}",
                    payload_fingerprint="demo", board_id=pin.board_id or boards[n % len(boards)], title=title,
                    link_url=DEMO_HISTORY_LINK, image_url=f"{DEMO_HISTORY_IMAGES}{n + 1}.jpg",
                    source=Pin.Source.DASHBOARD, status=PinStatus.PUBLISHED, pinterest_pin_id=pin.id,
                    published_at=sandbox_pin_backdate(pinterest_id=pin.id, days=days), created_by=user)
                for n, ((title, days), pin) in enumerate(zip(DEMO_HISTORY, remote, strict=True))])
            created = len(remote)
        backfilled = AnalyticsCollectionRun.objects.filter(account=account, kind=AnalyticsCollectionRun.Kind.BACKFILL,
                                                           outcome=AnalyticsCollectionRun.Outcome.SUCCEEDED)
        if created or not backfilled.exists():
            run = collect_account(account, kind=AnalyticsCollectionRun.Kind.BACKFILL)
            outcome = f"{run.outcome}, {run.calls} calls" if run is not None else "not run"
            self.stdout.write(f"Demo history: {created} published pins, analytics backfill {outcome}.")


def history_seeded(account: PinterestAccount) -> bool:
    """The account has its demo pins and a successful backfill (nothing for ``seed_history`` to do)."""
    return (Pin.objects.filter(account=account, idempotency_key__startswith=DEMO_HISTORY_KEY).exists()
            and AnalyticsCollectionRun.objects.filter(account=account, kind=AnalyticsCollectionRun.Kind.BACKFILL,
                                                      outcome=AnalyticsCollectionRun.Outcome.SUCCEEDED).exists())
