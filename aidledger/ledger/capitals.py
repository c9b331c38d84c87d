"""人民币大写: an amount of yuan written in Chinese capital numerals, as on a payment register or a cheque.

Pure. The rules followed (中国人民银行《支付结算办法》附件 正确填写票据和结算凭证的基本规定):
- digits 零壹贰叁肆伍陆柒捌玖, units 拾佰仟, sections 万 亿 (万亿 beyond);
- a leading 1 in the tens is written 壹拾 (¥16.15 → 壹拾陆元壹角伍分);
- a run of zeros inside the yuan part is one 零; a section that starts with zeros, or follows an
  all-zero section, is joined by one 零 (100,001 → 壹拾万零壹元; 100,001,000 → 壹亿零壹仟元);
- where the 万 place is 0 but the 仟 is not, the rules allow the 零 or not: it is left out (105,000 →
  壹拾万伍仟元整, 1,001,000 → 壹佰万壹仟元整), as the register has always written it;
- no jiao and no fen: 元整 (零元整 for nothing); a jiao without fen ends at 角 (壹拾元壹角);
- fen without jiao after some yuan takes 零 (壹仟元零壹分); without yuan the amount starts at
  its first unit (0.05 → 伍分);
- a negative amount is prefixed 负.
"""

from __future__ import annotations

from decimal import Decimal

DIGITS = "零壹贰叁肆伍陆柒捌玖"
UNITS = ("", "拾", "佰", "仟")
SECTIONS = ("", "万", "亿", "万亿")
LIMIT = Decimal(10) ** (4 * len(SECTIONS))


def _section(value: int) -> str:
    """0 < value < 10,000 read with its inner zeros (1001 → 壹仟零壹, 1010 → 壹仟零壹拾)."""
    out: list[str] = []
    zero = False
    for position in range(3, -1, -1):
        digit = value // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + UNITS[position])
    return "".join(out)


def yuan_in_capitals(whole: int) -> str:
    """The integer yuan (> 0) without 元: 100001 → 壹拾万零壹."""
    sections = []
    while whole:
        sections.append(whole % 10_000)
        whole //= 10_000
    out: list[str] = []
    zero_pending = False
    for index in range(len(sections) - 1, -1, -1):
        value = sections[index]
        if value == 0:
            zero_pending = bool(out)
            continue
        if out and (zero_pending or value < 1000):
            out.append("零")
        out.append(_section(value) + SECTIONS[index])
        zero_pending = False
    return "".join(out)


def rmb_capitals(amount: Decimal) -> str:
    """9639.00 → 玖仟陆佰叁拾玖元整; 1000.01 → 壹仟元零壹分; 0.00 → 零元整."""
    value = Decimal(amount)
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{amount} has more than two decimal places; 大写 is written to the fen")
    if abs(value) >= LIMIT:
        raise ValueError(f"{amount} is too large to write in capitals")
    sign = "负" if value < 0 else ""
    fen_total = int(abs(value) * 100)
    whole, jiao, fen = fen_total // 100, fen_total // 10 % 10, fen_total % 10
    if whole == 0 and jiao == 0 and fen == 0:
        return "零元整"
    text = yuan_in_capitals(whole) + "元" if whole else ""
    if jiao == 0 and fen == 0:
        return sign + text + "整"
    if jiao:
        text += DIGITS[jiao] + "角"
    elif whole:
        text += "零"
    if fen:
        text += DIGITS[fen] + "分"
    return sign + text
