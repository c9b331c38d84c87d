"""The sign-off chain's rules (审核、审批), pure: what each step is called, what a subject waits for, who may sign.

A chain of n sign-offs: the last is 审批 (the decision that posts a cycle or lets a grant be paid); those before
it are 审核, numbered when there are more than one. Each is by an approver who neither prepared the subject nor
signed an earlier step of the same round (a re-run or a sending back starts a new round: what was signed before
was another draft).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signed:
    """One sign-off given, of a cycle or a grant: its step of how many and that step's name (审核 / 审批). At the
    last the subject is approved: a cycle's approval entry is `entry_seq` (a grant posts nothing of its own)."""

    subject: str  # cycle | grant
    subject_id: int
    step: int
    of_steps: int
    name: str
    entry_seq: int | None = None

    @property
    def approved(self) -> bool:
        return self.step == self.of_steps


def step_name(step: int, of_steps: int) -> str:
    """审核 / 审批, as the pages and the register print a step."""
    if step >= of_steps:
        return "审批"
    return "审核" if of_steps == 2 else f"第{step}级审核"


def waiting_for(signed: int, of_steps: int) -> str:
    """A draft's state on the pages: 待审核 / 待审批 (or 已审批 once the chain is complete)."""
    return "已审批" if signed >= of_steps else f"待{step_name(signed + 1, of_steps)}"


def signer_problems(signer: str, preparer: str, earlier: Sequence[str], what: tuple[str, str]) -> list[str]:
    """Why `signer` may not give the next sign-off of `what` (its Chinese and English names), or nothing."""
    zh, en = what
    if signer == preparer:
        return [f"经办人不得签批本人经办的事项：{signer} 经办了{zh}，须由另一名审批人签字 "
                f"(maker-checker: {signer} prepared {en}; another approver must sign it)"]
    if signer in earlier:
        step = list(earlier).index(signer) + 1
        return [f"每一步须由不同的人签字：{signer} 已签{zh}的第 {step} 步 "
                f"(maker-checker: {signer} already signed step {step} of {en}; each sign-off is by a different "
                "approver)"]
    return []
