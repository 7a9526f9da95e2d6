"""Delete rows past their retention age now (the hourly ``prune old records`` task does the same)."""

from django.core.management.base import BaseCommand

from publishing.services.retention import records_prune


class Command(BaseCommand):
    help = ("Delete expired access tokens, old publish attempts of finished pins, old webhook deliveries, "
            "OAuth states, old analytics collection runs (and the audit log only if RETENTION_AUDIT_DAYS is set), "
            "by the RETENTION_* ages.")

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be deleted; delete nothing.")

    def handle(self, *args, **options):
        counts = records_prune(dry_run=options["dry_run"])
        verb = "would delete" if options["dry_run"] else "deleted"
        for table, count in counts.items():
            self.stdout.write(f"{table}: {verb} {count}")
        self.stdout.write(self.style.SUCCESS(f"Done: {verb} {sum(counts.values())} row(s)."))
