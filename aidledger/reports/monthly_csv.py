"""The monthly statistics report (民政统计月报) as CSV, written beside its PDF (pure).

One table, one figure a row, with Chinese headings: 地区代码, 地区, 统计月份, 部分, 救助类别, 城乡, 指标, 数值,
单位, 说明. Every figure the PDF prints is a row (and nothing else is), so a spreadsheet can filter or pivot
it and a month's files can be stacked. Programmes and areas are named as on the page, never by their codes.

Encoding: UTF-8 with a byte-order mark, lines ended CRLF (RFC 4180): Excel on a Chinese Windows reads a CSV
without a BOM as GBK and garbles it; with the BOM it opens it as UTF-8, and every other tool (pandas'
`utf-8-sig`, LibreOffice, Python's csv) reads it too. Amounts are plain decimals with two places and no
thousands separator (1234.50), so that a spreadsheet takes them as numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

from .monthly_data import AREA_TITLES, COUNT_HEADINGS, FUND_HEADINGS, MonthlyReport

HEADER = ("地区代码", "地区", "统计月份", "部分", "救助类别", "城乡", "指标", "数值", "单位", "说明")
ENCODING = "utf-8-sig"
COUNTS_PART, MONTH_PART, YEAR_PART, STANDARDS_PART = "救助对象", "本月资金", "本年累计资金", "保障标准"
PER_PERSON = "月人均保障金"
COUNT_UNITS = ("户",) + ("人",) * (len(COUNT_HEADINGS) - 1)


def _number(value: Decimal | int | None) -> str:
    if value is None:
        return ""
    return str(value) if isinstance(value, int) else f"{value:.2f}"


def csv_rows(report: MonthlyReport) -> Iterator[tuple[str, ...]]:
    """The table's rows after its header."""
    place = (report.jurisdiction, report.name, report.month)
    for row in report.rows:
        names = (row.program_name, row.area_name)
        for heading, unit, value in zip(COUNT_HEADINGS, COUNT_UNITS, row.counts.values(), strict=True):
            yield (*place, COUNTS_PART, *names, heading, _number(value), unit, "")
    for row in report.rows:
        names = (row.program_name, row.area_name)
        for heading, amount in zip(FUND_HEADINGS, row.month.amounts(), strict=True):
            yield (*place, MONTH_PART, *names, heading, _number(amount), "元", "")
        yield (*place, MONTH_PART, *names, PER_PERSON, _number(row.month.per_person), "元/人", "")
    year_note = "、".join(report.year_months)
    for row in report.rows:
        names = (row.program_name, row.area_name)
        yield (*place, YEAR_PART, *names, "户次", _number(row.year.households), "户次", year_note)
        yield (*place, YEAR_PART, *names, "人次", _number(row.year.persons), "人次", year_note)
        for heading, amount in zip(FUND_HEADINGS, row.year.amounts(), strict=True):
            yield (*place, YEAR_PART, *names, heading, _number(amount), "元", year_note)
        yield (*place, YEAR_PART, *names, PER_PERSON, _number(row.year.per_person), "元/人", year_note)
    for standard in report.standards:
        for area, amount in (("urban", standard.urban), ("rural", standard.rural)):
            yield (*place, STANDARDS_PART, "", AREA_TITLES[area], standard.name, _number(amount), standard.unit,
                   standard.note)


def csv_text(report: MonthlyReport) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(csv_rows(report))
    return buffer.getvalue()


def write_monthly_csv(report: MonthlyReport, stream: BinaryIO) -> int:
    """Write the CSV (UTF-8 with BOM) to a binary stream; returns the rows written after the header."""
    text = csv_text(report)
    stream.write(text.encode(ENCODING))
    return text.count("\r\n") - 1
