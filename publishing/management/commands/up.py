"""What `make run` runs: migrate, apply the periodic schedules, seed the demo team, then serve, in one
process (one Django boot instead of four).

The same steps as ``migrate``, ``q_schedules``, ``demo`` and ``serve`` one after another, each still
a command of its own; here they run while the web boots beside them (``serve``'s start gate), and
the web listens once they are done.
"""

from django.core.management import call_command

from publishing.management.commands import serve


class Command(serve.Command):
    help = ("Migrate, apply the periodic schedules, seed the demo team (DEBUG only), then serve on "
            "127.0.0.1:PORT with the publishing and media clusters: `make run`.")

    def prepare(self, options):
        super().prepare(options)
        verbosity = options["verbosity"]
        call_command("migrate", interactive=False, verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)
        call_command("q_schedules", verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)
        call_command("demo", verbosity=verbosity, stdout=self.stdout, stderr=self.stderr)
