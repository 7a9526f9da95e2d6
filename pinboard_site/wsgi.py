import os

from django.core.wsgi import get_wsgi_application

from pinboard_site.request_body import DrainUnreadBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pinboard_site.settings")
# A body the application left unread is read away (or the connection closed) before the next request.
application = DrainUnreadBody(get_wsgi_application())
