"""The domain's tables, one module per area. Import models from here: ``from publishing.models import Pin``."""

from publishing.models.teams import (  # noqa: F401
    AuditEvent,
    EmailUserManager,
    Membership,
    Team,
    User,
    Workspace,
    validate_time_zone,
)
