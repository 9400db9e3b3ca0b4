from datetime import datetime, timezone

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .db import db


def utcnow() -> datetime:
    """The one clock of this stage (tests move it). SQLite keeps no time zone, so every
    time is stored as naive UTC and gets its "Z" when it is sent out."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def isoformat(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds") + "Z"


class ApiToken(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    owner: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Launch(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    launched_by: Mapped[str] = mapped_column(String(32))
    launched_at: Mapped[datetime] = mapped_column(default=utcnow)

    def to_dict(self):
        return {
            "launch_id": self.id,
            "launched_by": self.launched_by,
            "launched_at": isoformat(self.launched_at),
        }
