"""`[[bank]]`: the paying banks (代发银行) of a county, and the layouts of their files (pure).

Each bank names the account prefixes routed to it and the layout of its payment file (csv, xlsx or fixed-width
text; columns, control rows, file name) and of its returns file. A layout that cannot hold what it must carry is
refused when the policy loads, not on the day the money goes out:
- a fixed-width amount or total narrower than the largest amount a file may carry (AMOUNT_CEILING: 99,999,999.99
  yuan, 11 characters as "99999999.99", 10 as fen "9999999999"), a count or seq narrower than COUNT_CEILING's
  7 digits;
- an account column narrower than 30 (the registry allows accounts of 10–30 digits);
- names or texts (payee name, purpose, Chinese titles or literals) in a single-byte encoding (ascii);
- two banks sharing an account prefix or a code.
Nothing here may be dated: a layout is one value (a bank that changes its layout gets a new policy version).
"""

from __future__ import annotations

from decimal import Decimal

from .kinds import Choice, Flag, ListOf, MapOf, Problems, Table, TableList, Text, Whole, show

# The largest amount one bank file (a line or its total) may carry, and the most rows: far above any county's
# month, and what the fixed-width checks measure columns against.
AMOUNT_CEILING = Decimal("99999999.99")
COUNT_CEILING = 9_999_999
ACCOUNT_WIDTH = 30  # the registry's longest account

FILE_FORMATS = ("csv", "xlsx", "fixed")
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "ascii")
SINGLE_BYTE = ("ascii",)
# What a payment file's column may hold: never the id number (the bank needs the account and the name only).
LINE_FIELDS = ("seq", "household_id", "payee_name", "bank_account", "amount", "purpose", "month", "literal")
# What a control row (header or trailer) may hold.
CONTROL_FIELDS = ("count", "total", "month", "code", "cycle", "literal")
AMOUNT_FORMATS = ("yuan", "fen")
ALIGNS = ("left", "right")
RETURN_FIELDS = ("account", "amount", "name", "reason", "seq", "household_id")
REASON_CODES = ("no_account", "name_mismatch", "frozen", "closed", "other")
FILE_NAME_FIELDS = ("code", "month", "cycle")

_FIXED = dict(dated=False)
_TEXT = Text(dated=False, pattern=r"^\S(.*\S)?$", describe="a non-empty text")


def _cell_table(fields: tuple[str, ...]) -> Table:
    return Table(
        keys={
            "field": Choice(options=fields, **_FIXED),
            "title": Text(dated=False, pattern=r"^.*$", describe="a text"),
            "value": Text(dated=False, pattern=r"^.*$", describe="a text"),
            "width": Whole(low=1, high=200, what="a width in bytes", **_FIXED),
            "align": Choice(options=ALIGNS, **_FIXED),
            "fill": Choice(options=(" ", "0"), **_FIXED),
            "format": Choice(options=AMOUNT_FORMATS, **_FIXED),
        },
        required=("field",),
    )


RETURNS = Table(
    keys={
        "format": Choice(options=("csv", "xlsx"), **_FIXED),
        "encoding": Choice(options=ENCODINGS, **_FIXED),
        "header_row": Whole(low=1, high=50, what="a row number", **_FIXED),
        "amount_format": Choice(options=AMOUNT_FORMATS, **_FIXED),
        "columns": MapOf(value=Choice(options=RETURN_FIELDS, **_FIXED), key_pattern=r"^\S(.*\S)?$",
                         key_describe="a column title"),
        "reasons": MapOf(value=Choice(options=REASON_CODES, **_FIXED), key_pattern=r"^\S(.*\S)?$",
                         key_describe="a bank's failure text"),
    },
    required=("format", "columns"),
)


def _amount_text_width(fmt: str) -> int:
    return len(f"{AMOUNT_CEILING:.2f}") if fmt == "yuan" else len(str(int(AMOUNT_CEILING * 100)))


def _codec(bank: dict) -> str:
    """The codec measuring a fixed-width cell (utf-8-sig's BOM belongs to the file, not to each cell)."""
    encoding = bank.get("encoding", "utf-8")
    return "utf-8" if encoding == "utf-8-sig" else encoding


def _cells_fit(bank: dict, where: str, cells: tuple, problems: Problems) -> None:
    """Fixed-width cells: each has a width, wide enough for the largest value it may hold."""
    name = bank.get("name", "?")
    for index, cell in enumerate(cells):
        path, field, width = f"{where}[{index}]", cell.get("field"), cell.get("width")
        if width is None:
            problems.add(path, f"bank {name}: a fixed-width column needs a width")
            continue
        need, what = 0, ""
        if field in ("amount", "total"):
            fmt = cell.get("format", "yuan")
            need, what = _amount_text_width(fmt), f"{AMOUNT_CEILING:,.2f} yuan as {fmt}"
        elif field in ("seq", "count"):
            need, what = len(str(COUNT_CEILING)), f"{COUNT_CEILING:,} rows"
        elif field == "bank_account":
            need, what = ACCOUNT_WIDTH, "an account of up to 30 digits"
        elif field == "month":
            need, what = 7, "a month (YYYY-MM)"
        elif field in ("literal", "code", "cycle") and cell.get("value") is not None:
            need, what = len(cell["value"].encode(_codec(bank))), f"{show(cell['value'])}"
        if width < need:
            problems.add(f"{path}.width", f"bank {name}, column {cell.get('title') or field}: width {width} cannot "
                                          f"hold {what}: it needs {need}")


def _bank_checks(bank: dict, path: str, problems: Problems) -> None:
    name, fmt, encoding = bank.get("name", "?"), bank.get("format"), bank.get("encoding", "utf-8")
    columns = bank.get("columns", ())
    if fmt == "xlsx" and "encoding" in bank:
        problems.add(f"{path}.encoding", f"bank {name}: an xlsx file has no encoding")
    for index, cell in enumerate(columns):
        if cell.get("field") == "literal" and cell.get("value") is None:
            problems.add(f"{path}.columns[{index}]", f"bank {name}: a literal column needs a value")
    if not any(c.get("field") == "bank_account" for c in columns) or not any(c.get("field") == "amount"
                                                                             for c in columns):
        problems.add(f"{path}.columns", f"bank {name}: the payment file needs a bank_account and an amount column")
    controls = (("columns", columns), ("header", bank.get("header", ())), ("trailer", bank.get("trailer", ())))
    if fmt == "fixed":
        for key, cells in controls:
            _cells_fit(bank, f"{path}.{key}", cells, problems)
    else:
        for key, cells in controls:
            for index, cell in enumerate(cells):
                for only in ("width", "align", "fill"):
                    if only in cell:
                        problems.add(f"{path}.{key}[{index}].{only}",
                                     f"bank {name}: '{only}' is for fixed-width files only (format = 'fixed')")
    if encoding in SINGLE_BYTE and fmt != "xlsx":
        texts = [c.get("title", "") + c.get("value", "") for _, cells in controls for c in cells]
        if any(c.get("field") in ("payee_name", "purpose") for c in columns) or not all(t.isascii() for t in texts):
            problems.add(f"{path}.encoding", f"bank {name}: {encoding} is a single-byte encoding and cannot hold the "
                                             "Chinese names and texts of the file; use gb18030 or utf-8")
    returns = bank.get("returns") or {}
    if returns.get("format") == "xlsx" and "encoding" in returns:
        problems.add(f"{path}.returns.encoding", f"bank {name}: an xlsx file has no encoding")
    fields = list(returns.get("columns", {}).values())
    for needed in ("account", "amount"):
        if returns and needed not in fields:
            problems.add(f"{path}.returns.columns", f"bank {name}: the returns file needs a column for {needed}")
    for field in sorted({f for f in fields if fields.count(f) > 1}):
        problems.add(f"{path}.returns.columns", f"bank {name}: two columns are read as {field}")


def _file_name(bank: dict, path: str, problems: Problems) -> None:
    pattern = bank.get("file_name")
    if pattern is None:
        return
    try:
        pattern.format(**{key: "x" for key in FILE_NAME_FIELDS})
    except (KeyError, IndexError, ValueError) as exc:
        problems.add(f"{path}.file_name", f"{show(pattern)}: placeholders may be {{code}}, {{month}}, {{cycle}} "
                                          f"({exc})")
        return
    if "/" in pattern or "\\" in pattern or pattern.startswith("."):
        problems.add(f"{path}.file_name", f"{show(pattern)} must be a plain file name")


def _check_bank(bank: dict, path: str, problems: Problems) -> None:
    _bank_checks(bank, path, problems)
    _file_name(bank, path, problems)


def _banks_apart(banks: tuple, path: str, problems: Problems) -> None:
    """Codes, names, file names and prefixes: no two banks share one (the longest prefix routes an account)."""
    for key in ("code", "name", "file_name"):
        seen: dict[str, int] = {}
        for index, bank in enumerate(banks):
            value = bank.get(key)
            if value in seen:
                problems.add(f"{path}[{index}].{key}", f"{show(value)} is already the {key} of bank "
                                                       f"{banks[seen[value]].get('name')}")
            elif value is not None:
                seen[value] = index
    owner: dict[str, str] = {}
    for index, bank in enumerate(banks):
        for prefix in bank.get("prefixes", ()):
            if prefix in owner:
                problems.add(f"{path}[{index}].prefixes", f"bank {bank.get('name')}: prefix '{prefix}' is already "
                                                          f"routed to bank {owner[prefix]}")
            else:
                owner[prefix] = bank.get("name", "?")


BANK = Table(
    keys={
        "name": _TEXT,
        "code": Text(dated=False, pattern=r"^[a-z][a-z0-9_]{0,15}$", describe="a short lower-case ascii code"),
        "prefixes": ListOf(item=Text(dated=False, pattern=r"^\d{1,29}$", describe="an account prefix of digits"),
                           non_empty=True, **_FIXED),
        "format": Choice(options=FILE_FORMATS, **_FIXED),
        "encoding": Choice(options=ENCODINGS, **_FIXED),
        "titles": Flag(**_FIXED),
        "file_name": Text(dated=False, pattern=r"^\S+$", describe="a file name pattern"),
        "columns": TableList(_cell_table(LINE_FIELDS), non_empty=True),
        "header": TableList(_cell_table(CONTROL_FIELDS)),
        "trailer": TableList(_cell_table(CONTROL_FIELDS)),
        "returns": RETURNS,
    },
    required=("name", "code", "prefixes", "format", "columns"),
    checks=(_check_bank,),
)

BANKS = TableList(BANK, checks=(_banks_apart,))
