"""Apply the periodic django-q2 schedules defined in code (idempotent: run it on every start)."""

from django.core.management.base import BaseCommand

from publishing.services.operations import periodic_tasks_apply


class Command(BaseCommand):
    help = "Create or update the periodic django-q2 schedules Pinboard needs (by name)."

    def handle(self, *args, **options):
        for name, outcome in periodic_tasks_apply().items():
            self.stdout.write(f"{outcome:<9} {name}")
