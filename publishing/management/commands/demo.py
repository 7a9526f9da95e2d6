"""Seed a demo team, or create/update exactly one user in a team (automation uses this).

Idempotent: running it again changes nothing that is already as asked.
"""

import httpx
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.core.wsgi import get_wsgi_application
from django.db import transaction

from publishing.models import Board, Membership, PinterestAccount, Team, User, Workspace
from publishing.permissions import Role
from publishing.services.accounts import pinterest_transport
from publishing.services.accounts_sandbox import account_connect_sandbox
from publishing.services.teams import membership_set_role, team_create

DEMO_TEAM = "Demo team"
DEMO_PASSWORD = "pinboard-demo"
DEMO_USERS = [(f"{role.value}@demo.pinboard.test", role.value) for role in Role]


class Command(BaseCommand):
    help = "Create the demo team with one user per role, or (with --email) one user in --team."

    def add_arguments(self, parser):
        parser.add_argument("--team", default=DEMO_TEAM, help="Team name (created when missing).")
        parser.add_argument("--email", help="Create or update only this user.")
        parser.add_argument("--password", help="Password for --email (required with it).")
        parser.add_argument("--role", choices=[role.value for role in Role], default=Role.EDITOR.value)
        parser.add_argument("--timezone", default="UTC", help="Time zone of a newly created team's workspace.")

    def handle(self, *args, **options):
        if options["email"]:
            if not options["password"]:
                raise CommandError("--password is required with --email")
            try:
                validate_email(options["email"])
            except ValidationError:
                raise CommandError(f"{options['email']!r} is not an email address") from None
            users = [(options["email"], options["role"], options["password"])]
        else:
            users = [(email, role, DEMO_PASSWORD) for email, role in DEMO_USERS]
        seeding_demo_cast = not options["email"]

        with transaction.atomic():
            team = self.ensure_team(options["team"], options["timezone"])
            for email, role, password in users:
                user = self.ensure_user(team, email, role, password)
                if seeding_demo_cast and role == Role.ADMIN and not user.is_superuser:
                    # The demo's admin also operates the server, so it may use the Django admin panel.
                    user.is_staff = user.is_superuser = True
                    user.save(update_fields=["is_staff", "is_superuser"])
        # Outside the transaction: connecting an account talks to Pinterest (the sandbox) over HTTP,
        # and no transaction is held across such calls.
        self.after_seed(team)

        self.stdout.write(self.style.SUCCESS(f"Team {team.name!r} is ready."))
        self.stdout.write("Log in at /accounts/login/ with:")
        for email, role, password in users:
            self.stdout.write(f"  {role:<8} {email} / {password}")

    def ensure_team(self, name: str, timezone: str) -> Team:
        team = Team.objects.filter(name=name).order_by("id").first()
        return team or team_create(name=name, timezone=timezone)

    def ensure_user(self, team: Team, email: str, role: str, password: str) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=password, full_name=email.split("@")[0].title())
        elif not user.check_password(password):
            user.set_password(password)
            user.save(update_fields=["password"])
        membership_set_role(team=team, user=user, role=role)
        return user

    def after_seed(self, team: Team) -> None:
        """Connect a sandbox Pinterest account with a few boards to the team's sandbox workspace,
        through the real OAuth code flow, unless a live one is connected already."""
        workspace = Workspace.objects.for_team(team).filter(environment=Workspace.Environment.SANDBOX).first()
        if workspace is None:
            return
        connected = PinterestAccount.objects.for_workspace(workspace).first()
        if connected is not None:
            self.stdout.write(f"Sandbox Pinterest account @{connected.username} is already connected.")
            return
        admin = Membership.objects.for_team(team).filter(role=Role.ADMIN).order_by("id").first()
        # No web server is listening yet, so the sandbox is reached in-process, through Django's
        # WSGI application: the same views and the same HTTP requests a browser would make.
        with pinterest_transport(httpx.WSGITransport(app=get_wsgi_application())):
            account = account_connect_sandbox(workspace=workspace, user=admin.user if admin else None)
        boards = Board.objects.for_account(account).count()
        self.stdout.write(f"Connected sandbox Pinterest account @{account.username} with {boards} boards.")
