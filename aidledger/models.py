"""Every table, imported in one place so that `Base.metadata` is complete (alembic, tests)."""

from .auth import tables as auth_tables  # noqa: F401
from .budget import tables as budget_tables  # noqa: F401
from .disbursement.matching import tables as matching_tables  # noqa: F401
from .disbursement.opening import tables as opening_tables  # noqa: F401
from .disbursement.payments import tables as payment_tables  # noqa: F401
from .disbursement.recovery import tables as recovery_tables  # noqa: F401
from .disbursement.registry import tables as registry_tables  # noqa: F401
from .disbursement.signoffs import tables as signoff_tables  # noqa: F401
from .disbursement.subsidy import tables as subsidy_tables  # noqa: F401
from .disbursement.temporary import tables as temporary_tables  # noqa: F401
from .evidence import tables as evidence_tables  # noqa: F401
from .jobs import tables as job_tables  # noqa: F401
from .ledger import tables as ledger_tables  # noqa: F401
from .orm import Base
from .policy import tables as policy_tables  # noqa: F401
from .users import User  # noqa: F401

metadata = Base.metadata
