"""Users and their roles: who may write what.

Roles (cli.md): admin (users, policies, jurisdictions), preparer (registry, cycles,
reserve payments, budget and ledger entries), approver (approvals, closing months),
auditor (read and report only). Every write names its user; a write by a user
without the role is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .codes import Role, values
from .errors import Refusal
from .masking import mask
from .orm import Base, one_of

ROLES = values(Role)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))


def add_user(session: Session, name: str, role: str, *, acting: str | None, now: datetime) -> User:
    """Add a user. On an empty database the first user needs no acting user and must be an admin."""
    if role not in ROLES:
        raise Refusal(f"role {role!r} is not one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise Refusal("a user needs a name")
    existing_count = session.scalar(select(func.count()).select_from(User))
    if existing_count == 0:
        if role != "admin":
            raise Refusal(f"the first user of a database must be an admin, not {role}")
        acting = None
    else:
        require_role(session, acting, "admin", action="add users")
    if session.get(User, name) is not None:
        raise Refusal(f"user {name!r} already exists")
    user = User(name=name, role=role, created_at=now, created_by=acting)
    session.add(user)
    session.flush()
    return user


def require_role(session: Session, user_name: str | None, *roles: str, action: str) -> User:
    """The acting user, if they hold one of `roles`; otherwise a refusal naming what was needed."""
    if not user_name:
        raise Refusal(f"to {action} name the acting user with --user or AIDLEDGER_USER (role: {' or '.join(roles)})")
    user = session.get(User, user_name)
    if user is None:
        raise Refusal(f"unknown user {user_name!r}; an admin adds users first")
    if user.role not in roles:
        raise Refusal(f"user {user_name!r} has role {user.role}; to {action} the role must be {' or '.join(roles)}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.name)))


# Roles that may read personal data (id numbers, bank accounts) in full in --json output.
PERSONAL_DATA_ROLES = ("admin", "preparer", "approver")


def sees_personal_data(session: Session, user_name: str | None) -> bool:
    """Whether --json may carry id numbers and accounts unmasked for this user (auditors see them masked)."""
    if not user_name:
        return False
    user = session.get(User, user_name)
    return user is not None and user.role in PERSONAL_DATA_ROLES


def _in_full(value: str) -> str:
    return value


def personal_numbers(session: Session, reader: str | None, *, as_json: bool) -> Callable[[str], str]:
    """How a view shows id numbers and bank accounts to `reader`: in full only in --json output for the roles
    above; masked (first 6 and last 4) in every table and for auditors and anonymous readers (cli.md).

    The services that build views call this, so that no command decides (or forgets) what a reader may see."""
    return _in_full if as_json and sees_personal_data(session, reader) else mask


def birth_dates(session: Session, reader: str | None, *, as_json: bool) -> Callable[[date], str]:
    """How a view shows a member's birth date to `reader`: the date where id numbers are shown in full, else the
    year alone. A masked id number hides exactly its eight digits of birth date (GB 11643), so the full date beside
    it would give the whole number back."""
    if as_json and sees_personal_data(session, reader):
        return date.isoformat
    return lambda day: f"{day.year:04d}"
