"""The domain's tables, one module per area. Import models from here: ``from publishing.models import Pin``."""

from publishing.models.analytics import (  # noqa: F401
    METRIC_NAMES,
    AccountDailyMetric,
    AnalyticsCollectionRun,
    PinDailyMetric,
)
from publishing.models.approvals import ApprovalDecision, ReviewLink  # noqa: F401
from publishing.models.assets import Asset, MediaUpload  # noqa: F401
from publishing.models.auth_state import track_auth_state
from publishing.models.comments import PinComment, PinContentVersion  # noqa: F401
from publishing.models.drafts import ComposeDraft  # noqa: F401
from publishing.models.imports import ImportJob  # noqa: F401
from publishing.models.integrations import Board, OAuthState, PinterestAccount  # noqa: F401
from publishing.models.keys import AccessToken, ApiKey, ApiKeyScope  # noqa: F401
from publishing.models.notifications import (  # noqa: F401
    NOTIFICATION_EVENTS,
    EmailPreference,
    Notification,
    NotificationEvent,
    NotificationPreference,
)
from publishing.models.pacing import RateBucket  # noqa: F401
from publishing.models.pins import (  # noqa: F401
    PIN_LIST_EPOCH,
    ApprovalState,
    Pin,
    PinStatus,
    PublishAttempt,
    Schedule,
    ScheduleStatus,
)
from publishing.models.posting_slots import WEEKDAYS, PostingSlot  # noqa: F401
from publishing.models.teams import (  # noqa: F401
    ApprovalSteps,
    AuditEvent,
    EmailUserManager,
    Invitation,
    Membership,
    Team,
    User,
    Workspace,
    validate_time_zone,
)
from publishing.models.webhooks import WEBHOOK_EVENTS, Webhook, WebhookDelivery  # noqa: F401
from publishing.models.workers import WorkerCluster  # noqa: F401

# What a credential resolves to, read through the shared cache (publishing/models/auth_state.py).
track_auth_state(Team, Workspace, Membership, User)
track_auth_state(ApiKey, AccessToken, credentials=True)
# What a /v1/pins page shows, read through the list cache (publishing/services/list_cache.py).
PIN_LIST_EPOCH.track(Pin)
PIN_LIST_EPOCH.track(Asset, saves=False)
