"""One page of a cycle's lines, filtered, for the web application's cycle page: the same view `cycle show` gives
(`show.assemble`: totals, sign-offs, returns, recomputed months, held households, in the reader's part only),
with only the lines of one page in it.

Filtering, counting and paging are done by the database, so a page of a county of 100,000 households reads 50
lines, not 70,000 (the index `ix_cycle_lines_register` holds a cycle's lines in the register's order: township,
then household). The search matches a household id or a payee's name, as a substring, case-insensitively.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from aidledger.disbursement.cycles.views import CycleView
from aidledger.disbursement.payments.tables import CycleLine
from aidledger.errors import Refusal
from aidledger.users import personal_numbers

from .show import assemble, findings_of, line_view, reader_township
from .steps import cycle_of


@dataclass(frozen=True)
class LineFilter:
    """Which of a cycle's lines a page shows: a township, a programme, a search text (None or "": any)."""

    township: str | None = None
    program: str | None = None
    search: str = ""


@dataclass(frozen=True)
class CyclePage:
    """A cycle's view holding one page of the lines that match a filter, and where that page lies."""

    view: CycleView
    matching: int  # the lines that match, on every page
    page: int
    pages: int
    size: int

    @property
    def first(self) -> int:
        """The position (from 1) of the page's first line among those that match."""
        return (self.page - 1) * self.size + 1


def paged_cycle_view(session: Session, cycle_id: int, *, reader: str | None, wanted: LineFilter, page: int,
               size: int, as_json: bool = False) -> CyclePage:
    """Page `page` (from 1) of the cycle's lines that match `wanted`, as `reader` may see them; a page past the
    last is refused with the number of pages."""
    cycle = cycle_of(session, cycle_id)
    township = reader_township(session, reader, cycle.jurisdiction_code, f"cycle {cycle_id}")
    conditions = [CycleLine.cycle_id == cycle_id]
    for where in (township, wanted.township):
        if where:
            conditions.append(CycleLine.township == where)
    if wanted.program:
        conditions.append(CycleLine.program == wanted.program)
    if wanted.search:
        pattern = "%" + wanted.search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(or_(func.lower(CycleLine.household_id).like(pattern, escape="\\"),
                              func.lower(CycleLine.payee_name).like(pattern, escape="\\")))
    matching = session.scalar(select(func.count()).select_from(CycleLine).where(*conditions)) or 0
    pages = max(1, -(-matching // size))
    if page > pages:
        raise Refusal(f"第 {page} 页不存在：共 {pages} 页")
    shown = personal_numbers(session, reader, as_json=as_json)
    # The page's households first, from the register index alone (the lines skipped are never read), then their
    # lines by key.
    keys = list(session.scalars(select(CycleLine.household_id).where(*conditions)
                                .order_by(CycleLine.township, CycleLine.household_id)
                                .offset((page - 1) * size).limit(size)))
    rows = {line.household_id: line for line in session.scalars(
        select(CycleLine).where(CycleLine.cycle_id == cycle_id, CycleLine.household_id.in_(keys)))}
    lines = tuple(line_view(rows[key], shown) for key in keys)
    findings = tuple(findings_of(session, cycle_id, reader=reader, as_json=as_json, township=township))
    return CyclePage(assemble(session, cycle, township, lines, findings), matching, page, pages, size)
