"""Where a page's work stops being answered inside the request and becomes a background job (docs/web.md,
"Background jobs"). A month's run is always a job; an upload and a payment register only when large: a small one is
answered at once, as the command line would, without a page to wait on. The audit pack is always a job (it verifies
the whole book). An application's own figures are `app.state.thresholds`; tests lower them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Thresholds:
    # ~6,000 households' rows: the import reads 1,500–2,000 rows a second (docs/benchmarks.md), so a few seconds.
    upload_bytes: int = 512 * 1024
    # A register of more households than this is drawn by a job (about 40 households a page).
    register_households: int = 2_000
