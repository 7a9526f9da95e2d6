"""The accessibility statement: what the dashboard aims for, what the test suite checks, and what
nobody has checked yet. Public, so it can be read before signing in (the footer links it)."""

from django.shortcuts import render


def accessibility_statement(request):
    return render(request, "publishing/accessibility/statement.html")
