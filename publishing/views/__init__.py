"""The dashboard, one module per section.

Every view opens with ``team_context_or_404(request)`` (its ``ctx.actor`` is who acts; a page that
shows an action's form first passes the action, e.g. ``"pin.create"``), validates with a form,
calls one service (which authorizes) and renders; a refusal is the 403/404 page; htmx requests get
the page's named fragment (``page.html#fragment``), and mutations answer with HTML plus htmx headers.
"""
