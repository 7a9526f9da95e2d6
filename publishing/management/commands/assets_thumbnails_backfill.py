"""Enqueue the thumbnail job for assets uploaded before thumbnails existed (or whose job was lost)."""

from django.core.management.base import BaseCommand
from django.db import transaction

from publishing.services.thumbnails import thumbnails_backfill


class Command(BaseCommand):
    help = "Enqueue a thumbnail job for every live asset without a thumbnail (the workers make them)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many assets (newest first).")

    def handle(self, *args, **options):
        with transaction.atomic():  # the jobs are enqueued when this commits
            count = thumbnails_backfill(limit=options["limit"])
        self.stdout.write(self.style.SUCCESS(f"Enqueued thumbnails for {count} asset(s)."))
