"""The dashboard, one module per section.

Every view opens with ``team_context_or_404(request, Permission.X)``, validates with a form,
calls one service and renders; htmx requests get the page's named fragment
(``page.html#fragment``), and mutations answer with HTML plus htmx headers.
"""
