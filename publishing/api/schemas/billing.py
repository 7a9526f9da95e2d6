"""/v1/billing: what a self-hosted server reports as its plan and prices."""

from datetime import datetime

from ninja import Schema


class BillingStatusOut(Schema):
    plan: str
    billing_provider: str
    billing_status: str
    quota_calls_monthly: int
    calls_used: int
    pinterest_accounts_limit: int
    uploaded_media_assets: bool
    bulk_imports: bool
    storage_quota_bytes: int
    storage_used_bytes: int
    storage_used_percent: int


class PriceOut(Schema):
    billing_cycle: str
    unit_amount: int
    currency: str
    amount_display: str


class PlanOut(Schema):
    plan: str
    name: str
    subtitle: str
    feature_bullets: list[str]
    quota_calls_monthly: int
    pinterest_accounts_limit: int
    uploaded_media_assets: bool
    bulk_imports: bool
    activity_log_retention_days: int
    monthly_price: PriceOut
    annual_price: PriceOut


class PricingOut(Schema):
    source: str
    refreshed_at: datetime
    plans: list[PlanOut]
