"""/v1/rate-meter: the publishing token buckets, the account's and the server's."""

from ninja import Schema
from pydantic import Field


class MeterNodeOut(Schema):
    tokens_available: float
    capacity: float
    refill_rate: float


class MeterAccountOut(MeterNodeOut):
    account_id: str


class RateMeterOut(Schema):
    account: MeterAccountOut
    # ``global`` is a Python keyword; the alias keeps it the field's name on the wire.
    global_: MeterNodeOut = Field(..., alias="global")
