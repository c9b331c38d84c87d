"""The domain's codes: every closed set of words the books store in a column, stated once.

Pure (no SQLAlchemy): the registry's readers, the benefit rules, the labels and the tables all
take their vocabularies from here. Each set is an `enum.StrEnum`, whose members *are* their
strings (`Program.DIBAO == "dibao"`, same hash, `json.dumps` and f-strings give the value), so
a code read back from the database as a plain string still compares equal and finds its label.
Only `repr` differs: messages show the codes with plain `{…}`, never `{…!r}`.

What derives from these classes (docs/development.md, "One vocabulary"):
- the old tuples (`PROGRAMS`, `EVENT_KINDS`, `ROLES`, …), as plain strings via `values()`;
- the Chinese labels (`labels.py`, keyed by the members; tests/test_codes.py checks that every
  member of a labelled set has one);
- the tables' CHECK constraints (`orm.one_of`), so that the database itself refuses a code
  written behind the application's back. Migration 0008 states the same sets as frozen
  literals; tests/test_codes.py checks that the database's constraints match these classes.

Changing a set here therefore needs a migration that changes its constraint.
"""

from __future__ import annotations

from enum import StrEnum


def values(codes: type[StrEnum]) -> tuple[str, ...]:
    """The codes of a set as plain `str`, in the order stated.

    For the places that must not see an Enum: click's `Choice` matches Enum members by their
    *name* (it would offer `DIBAO`), and a tuple of plain strings keeps messages and outputs
    exactly what they were.
    """
    return tuple(member.value for member in codes)


# --- The ledger -------------------------------------------------------------------------------


class JurisdictionLevel(StrEnum):
    """`jurisdictions.level`: where a jurisdiction sits (a county pays households)."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class AccountType(StrEnum):
    """`accounts.type`: the five kinds of account (ledger/chart.py maps each to its root)."""

    ASSET = "asset"
    LIABILITY = "liability"
    NET_POSITION = "net_position"
    REVENUE = "revenue"
    EXPENSE = "expense"


class Role(StrEnum):
    """`users.role`: who may write what (users.py)."""

    ADMIN = "admin"
    PREPARER = "preparer"
    APPROVER = "approver"
    AUDITOR = "auditor"


# --- The registry ------------------------------------------------------------------------------


class Program(StrEnum):
    """A household's programme (`households.program`, and the cycle lines and receivables that copy it)."""

    DIBAO = "dibao"  # 低保
    TEKUN = "tekun"  # 特困
    LOW_INCOME = "low_income"  # 低收入


class Area(StrEnum):
    URBAN = "urban"
    RURAL = "rural"


class IncomeType(StrEnum):
    """Decides a 低保 household's review (核查) cadence."""

    STABLE = "stable"
    VARIABLE = "variable"


class TekunSetting(StrEnum):
    DISPERSED = "dispersed"  # 分散供养
    CENTRALIZED = "centralized"  # 集中供养


class Relation(StrEnum):
    """A member's relation to the household's head."""

    HEAD = "head"
    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    GRANDCHILD = "grandchild"
    OTHER = "other"


class DisabilityKind(StrEnum):
    PHYSICAL = "physical"
    VISUAL = "visual"
    HEARING = "hearing"
    SPEECH = "speech"
    INTELLECTUAL = "intellectual"
    MENTAL = "mental"
    MULTIPLE = "multiple"


class MemberFlag(StrEnum):
    """A member's flags (`members.flags` holds several, ';'-separated, so it has no CHECK of its own)."""

    SERIOUS_ILLNESS = "serious_illness"
    DISABLED_VETERAN = "disabled_veteran"
    MARTYR_FAMILY = "martyr_family"
    VETERAN = "veteran"


class CareLevel(StrEnum):
    SELF = "self"  # 全自理
    SEMI = "semi"  # 半护理
    FULL = "full"  # 全护理


class EventKind(StrEnum):
    """`registry_events.kind`: a dated change to a stored household.

    All but the last two come from events.csv (records.EVENT_KINDS). `bank_account` is
    recorded by `registry account`; `member_joined` is the receiving household's half of a
    `move_member`, recorded with it (and voided with it), never read from a file.
    """

    INCOME = "income"
    INCOME_TYPE = "income_type"
    TIER = "tier"
    DEATH = "death"
    ADD_MEMBER = "add_member"
    REMOVE_MEMBER = "remove_member"
    MOVE_MEMBER = "move_member"
    HEAD = "head"
    DISABILITY = "disability"
    FLAGS = "flags"
    SINGLE_PERSON = "single_person"
    CARE_LEVEL = "care_level"
    PAYEE = "payee"
    TOWNSHIP = "township"
    AREA = "area"
    PROGRAM = "program"
    TEKUN_SETTING = "tekun_setting"
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"
    REAPPROVE = "reapprove"
    VOID = "void"
    BANK_ACCOUNT = "bank_account"
    MEMBER_JOINED = "member_joined"


class ExportKind(StrEnum):
    """`cycle_exports.kind`: the bank file's first writing (which posts the transfer) or a reprint of it."""

    EXPORT = "export"
    REPRINT = "reprint"


class ImportKind(StrEnum):
    """`registry_imports.kind`: what a load of the registry was."""

    REGISTRY = "registry"  # households.csv and members.csv
    EVENTS = "events"  # events.csv
    COMMAND = "command"  # a change recorded by a command (`registry account`)


# --- Payment cycles ----------------------------------------------------------------------------


class CycleStatus(StrEnum):
    """`cycles.status`, and the status each `cycle_transitions` row moved a cycle to."""

    DRAFT = "draft"
    APPROVED = "approved"
    EXPORTED = "exported"
    SETTLED = "settled"
    CANCELLED = "cancelled"


class TrackStatus(StrEnum):
    """A 低保 household's standing after a month (rules/gradual_exit.DibaoTrack; `cycle_lines.track_status`)."""

    NONE = "none"  # not entitled yet
    NORMAL = "normal"  # paid a base
    EXIT = "exit"  # 渐退
    ENDED = "ended"  # left 低保; not paid again


class HandedOverStatus(StrEnum):
    """`opening_states.status`: the standings the old books hand over at a county's first month.

    The same words as the track's (`HandedOverStatus.EXIT == TrackStatus.EXIT`): a household starts
    its track in the standing handed over.
    """

    EXIT = "exit"
    ENDED = "ended"


class ComponentKind(StrEnum):
    """The kinds of a monthly amount's components (cli.md), as `explain` and `cycle show` print them.

    Stored inside `cycle_lines.components` (JSON), not in a column of its own.
    """

    BASE = "base"
    ADDON = "addon"
    BASIC = "basic"
    CARE = "care"
    SINGLE_PERSON = "single_person"
    EXIT = "exit"
    PRICE_SUBSIDY = "price_subsidy"
    HEATING = "heating"
    TEMPORARY = "temporary"
    ARREARS = "arrears"
    ROUNDING = "rounding"
    RECOVERY = "recovery"  # a set-off (追回抵扣)


class AdjustmentKind(StrEnum):
    """`cycle_adjustments.kind`: what a cycle does about a month already paid (rules/retro.py)."""

    ARREARS = "arrears"  # 补发, paid in the cycle
    RECOVERY = "recovery"  # 追回, a receivable once the cycle is approved
    NOTE = "note"  # nothing paid or claimed


class ResolutionKind(StrEnum):
    """`bank_return_resolutions.kind`: how a bank return (退票) ended."""

    REISSUED = "reissued"  # paid again by a later cycle
    CANCELLED = "cancelled"  # given back to the fund


class RecoveryHow(StrEnum):
    """`recoveries.how`: how money owed back came in."""

    RETURNED = "returned"  # paid back
    SET_OFF = "set_off"  # withheld from a later payment


# --- Sign-offs (审核、审批) -----------------------------------------------------------------------


class SignoffSubject(StrEnum):
    """`signoffs.subject`: what a sign-off is given on."""

    CYCLE = "cycle"
    GRANT = "grant"


class SignoffAction(StrEnum):
    """`signoffs.action`: signed, or sent back to the preparer with a reason (the cycle returns to draft)."""

    SIGNED = "signed"
    SENT_BACK = "sent_back"


# --- Cross-checks before payment (数据比对) ------------------------------------------------------


class MatchKind(StrEnum):
    """`match_lists.kind`: what another department's list says about the people on it."""

    DEATH = "death"  # 死亡/火化: civil registration, the funeral home's cremation list
    PAYROLL = "payroll"  # 财政供养人员: on the public payroll
    VEHICLE = "vehicle"  # 车辆: a registered motor vehicle
    BUSINESS = "business"  # 工商登记: a registered company or sole proprietorship
    OTHER = "other"  # 其他


class MatchResolution(StrEnum):
    """`match_resolutions.action`: a finding checked by an approver: confirmed (the line is held) or dismissed."""

    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"
