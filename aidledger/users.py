"""Users and their roles: who may write what.

Roles (cli.md): admin (users, policies, jurisdictions), preparer (registry, cycles,
reserve payments, budget and ledger entries), approver (approvals, closing months),
auditor (read and report only). Every write names its user; a write by a user
without the role is refused, and so is one by a disabled user.

A user is added once (`users`, append-only); every later change — a new role, disabled,
enabled again — is a record of `user_changes` (append-only, under the evidence chain)
naming who made it and when. A user's role and state are the fold of those records.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from .auth.scope import contains, level_of, within
from .codes import Role, values
from .errors import Refusal
from .masking import mask
from .orm import READ_ONLY, Base, one_of

ROLES = values(Role)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (one_of("role", Role),)

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))
    display_name: Mapped[str | None] = mapped_column(String(64))  # 李明: how pages and signatures name the user
    scope: Mapped[str | None] = mapped_column(String(12))  # a township, county, city or province code; None: all


class UserChange(Base):
    """A change to a user after it was added: `role` (value: the new role), `disable`, `enable`."""

    __tablename__ = "user_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str | None] = mapped_column(String(64))
    changed_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


CHANGE_KINDS = ("role", "disable", "enable")


class Standing:
    """A user as the records leave them: the role and whether the user is disabled."""

    def __init__(self, user: User, changes: list[UserChange]):
        self.name, self.created_at, self.created_by = user.name, user.created_at, user.created_by
        self.display_name, self.scope = user.display_name or user.name, user.scope
        self.role, self.disabled = user.role, False
        for change in changes:
            if change.kind == "role" and change.value:
                self.role = change.value
            elif change.kind in ("disable", "enable"):
                self.disabled = change.kind == "disable"


STANDINGS = "aidledger.standings"  # session.info: name → Standing, in read-only sessions


def standing(session: Session, name: str | None) -> Standing | None:
    """The user `name` with every change to it applied, or None when there is no such user. A read-only session
    keeps what it found: a page asks a dozen times (the reader's scope, what numbers the reader may see)."""
    if not name:
        return None
    kept = session.info.setdefault(STANDINGS, {}) if session.info.get(READ_ONLY) else None
    if kept is not None and name in kept:
        return kept[name]
    user = session.get(User, name)
    found = None
    if user is not None:
        found = Standing(user, list(session.scalars(
            select(UserChange).where(UserChange.user_name == name).order_by(UserChange.id))))
    if kept is not None:
        kept[name] = found
    return found


def add_user(session: Session, name: str, role: str, *, acting: str | None, now: datetime,
             display_name: str | None = None, scope: str | None = None) -> User:
    """Add a user. On an empty database the first user needs no acting user and must be an admin."""
    if role not in ROLES:
        raise Refusal(f"role {role!r} is not one of {', '.join(ROLES)}")
    name = name.strip()
    if not name:
        raise Refusal("a user needs a name")
    if len(name) > 64 or not all(c.isalnum() or c in "._-@" for c in name):
        raise Refusal(f"user name {name[:64]!r} may hold only letters, digits and . _ - @ (at most 64)")
    display_name = (display_name or "").strip() or None
    if display_name is not None and len(display_name) > 64:
        raise Refusal("a display name has at most 64 characters")
    if scope is not None and level_of(scope) is None:
        raise Refusal(f"scope {scope!r} is not a township (9 digits), county, city or province code (6 digits)")
    existing_count = session.scalar(select(func.count()).select_from(User))
    if existing_count == 0:
        if role != "admin":
            raise Refusal(f"the first user of a database must be an admin, not {role}")
        acting = None
        session.info.setdefault(ACTING_USER, name)  # the first admin adds themself
    else:
        require_role(session, acting, "admin", action="add users")
    if session.get(User, name) is not None:
        raise Refusal(f"user {name!r} already exists")
    user = User(name=name, role=role, created_at=now, created_by=acting, display_name=display_name, scope=scope)
    session.add(user)
    session.flush()
    return user


def require_role(session: Session, user_name: str | None, *roles: str, action: str) -> Standing:
    """The acting user, if enabled and holding one of `roles`; otherwise a refusal naming what was needed."""
    if not user_name:
        raise Refusal(f"to {action} name the acting user with --user or AIDLEDGER_USER (role: {' or '.join(roles)})")
    user = standing(session, user_name)
    if user is None:
        raise Refusal(f"unknown user {user_name!r}; an admin adds users first")
    if user.disabled:
        raise Refusal(f"user {user_name!r} is disabled; an admin may enable the user again")
    if user.role not in roles:
        raise Refusal(f"user {user_name!r} has role {user.role}; to {action} the role must be {' or '.join(roles)}")
    session.info.setdefault(ACTING_USER, user.name)
    return user


ACTING_USER = "aidledger_acting_user"  # Session.info: the user a write's role was checked for (db.py records it)


def scope_of(session: Session, user_name: str | None) -> str | None:
    """The scope of a user (None: every jurisdiction, also for a reader who named no user)."""
    user = standing(session, user_name)
    return user.scope if user is not None else None


def require_whole(session: Session, user_name: str | None, code: str, *, what: str) -> None:
    """Refuse `what` unless the user's scope holds all of `code`: running or approving a county's month is the
    county's (or its city's, province's) work, not one of its townships'."""
    scope = scope_of(session, user_name)
    if not within(scope, code):
        raise Refusal(f"{what} lies outside the scope {scope} of user {user_name!r}: it is the work of a user whose "
                      "scope holds all of it")


def require_within(session: Session, user_name: str | None, code: str | None, *, what: str) -> None:
    """Refuse `what` (a household, a cycle, a county's budget) unless its code lies inside the user's scope. A user
    whose scope lies inside the code (a township's clerk and the county's cycle) passes: the view shows that user
    only their part (scope.township_of)."""
    scope = scope_of(session, user_name)
    if within(scope, code) or contains(code, scope):
        return
    raise Refusal(f"{what} lies outside the scope {scope} of user {user_name!r}")


def change_user(session: Session, name: str, kind: str, value: str | None = None, *, acting: str | None,
                now: datetime) -> Standing:
    """Record a change to a user (an admin's): a new role, disabled, enabled. The books keep at least one enabled
    admin, and an admin does not disable themself."""
    require_role(session, acting, "admin", action="change users")
    user = standing(session, name)
    if user is None:
        raise Refusal(f"unknown user {name!r}")
    if kind == "role":
        if value not in ROLES:
            raise Refusal(f"role {value!r} is not one of {', '.join(ROLES)}")
        if value == user.role:
            raise Refusal(f"user {name!r} already has role {value}")
    elif kind == "disable":
        if user.disabled:
            raise Refusal(f"user {name!r} is already disabled")
        if name == acting:
            raise Refusal("an admin does not disable themself; another admin does")
    elif kind == "enable":
        if not user.disabled:
            raise Refusal(f"user {name!r} is not disabled")
    else:
        raise Refusal(f"unknown change {kind!r}; changes are {', '.join(CHANGE_KINDS)}")
    if user.role == "admin" and not user.disabled and (kind == "disable" or (kind == "role" and value != "admin")):
        admins = [u for u in list_users(session) if u.role == "admin" and not u.disabled]
        if len(admins) <= 1:
            raise Refusal(f"user {name!r} is the last enabled admin; the books need one to manage users")
    session.add(UserChange(user_name=name, kind=kind, value=value, changed_by=acting, changed_at=now))
    session.flush()
    changed = standing(session, name)
    assert changed is not None
    return changed


def list_users(session: Session) -> list[Standing]:
    changes: dict[str, list[UserChange]] = {}
    for change in session.scalars(select(UserChange).order_by(UserChange.id)):
        changes.setdefault(change.user_name, []).append(change)
    return [Standing(u, changes.get(u.name, [])) for u in session.scalars(select(User).order_by(User.name))]


# Roles that may read personal data (id numbers, bank accounts) in full in --json output.
PERSONAL_DATA_ROLES = ("admin", "preparer", "approver")


def sees_personal_data(session: Session, user_name: str | None) -> bool:
    """Whether --json may carry id numbers and accounts unmasked for this user (auditors see them masked)."""
    user = standing(session, user_name)
    return user is not None and not user.disabled and user.role in PERSONAL_DATA_ROLES


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
