"""Re-encrypt every stored secret under the newest FIELD_ENCRYPTION_KEY (the first of the list).

Rotation: put the new key first ("new,old"), deploy, run this, then drop the old key.
"""

from django.core.management.base import BaseCommand, CommandError

from publishing.services.encryption import stored_secrets_reencrypt


class Command(BaseCommand):
    help = ("Re-encrypt stored secrets (OAuth tokens, webhook secrets) under the first key of "
            "FIELD_ENCRYPTION_KEY. Safe to run again; prints counts only, never a secret.")

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="Rows per transaction (default 500).")
        parser.add_argument("--dry-run", action="store_true", help="Count what would change; write nothing.")

    def handle(self, *args, **options):
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = stored_secrets_reencrypt(batch_size=options["batch_size"], dry_run=options["dry_run"])
        verb = "would re-encrypt" if options["dry_run"] else "re-encrypted"
        for column in report.columns:
            self.stdout.write(f"{column.label}: {verb} {column.rotated}, already current {column.current}, "
                              f"unreadable {column.unreadable}")
        if report.unreadable:
            raise CommandError(f"{report.unreadable} stored secret(s) cannot be read with any configured key; "
                               "add back the key they were written with and run this again.")
        self.stdout.write(self.style.SUCCESS(f"Done: {verb} {report.rotated} secret(s)."))
