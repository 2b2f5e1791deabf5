"""The typed shapes of the watches' requests and answers (/api/v1/watches)."""

from datetime import datetime
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

# 进出口企业代码 (13) or 统一社会信用代码 (18), typed with spaces or hyphens if need be.
Code = Annotated[str, Field(max_length=40)]


class WatchIn(Schema):
    url: str = Field(
        max_length=500,
        description="Where events are POSTed: an https URL on a public address.",
        examples=["https://example.com/tradereg/events"],
    )
    operators: list[Code] = Field(
        min_length=1,
        max_length=100,
        description="进出口企业代码 (13) or 统一社会信用代码 (18) of published operators.",
    )


class OperatorsIn(Schema):
    operators: list[Code] = Field(min_length=1, max_length=100)


class WatchedOut(Schema):
    ie_code: str = Field(description="进出口企业代码 the events name")
    typed: str = Field(description="The code as given when it was added (a USCC, say).")


class WatchOut(Schema):
    id: int
    url: str
    created_at: datetime
    operators: list[WatchedOut]


class WatchCreated(WatchOut):
    secret: str = Field(
        description="Signs every event (X-Tradereg-Signature). Shown in this answer only."
    )


class DeliveryOut(Schema):
    delivery_id: str = Field(description="The X-Tradereg-Delivery header of its POSTs.")
    event_id: str = Field(description="The event's id (the body's `id`).")
    event_type: Literal["operator.changed", "operator.cancelled"]
    ie_code: str
    status: Literal["pending", "delivered", "abandoned"] = Field(
        description="pending 待发送, delivered 已送达, abandoned 已放弃 (a day without a 2xx)."
    )
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    last_status_code: int | None = Field(description="The receiver's last HTTP status.")
    last_error: str


class DeliveryPage(Schema):
    deliveries: list[DeliveryOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `after` for older deliveries; null at the end."
    )
