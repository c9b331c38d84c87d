"""Triggers that make the database itself refuse to rewrite history (used by the migrations).

Kept apart from the revisions so that every revision adding an append-only table states
the same triggers. Its SQL must never change meaning once a revision uses it.
"""

from alembic import op


def add_append_only_trigger(table: str) -> None:
    """Make the database itself refuse to rewrite history in `table`."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION aidledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only: record a correcting entry or a new version instead', "
            "TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION aidledger_append_only()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION aidledger_append_only()"
        )
    else:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: record a correcting entry or a new version "
                "instead'); END"
            )


def drop_append_only_trigger(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")


def add_draft_only_trigger(table: str) -> None:
    """Rows of `table` belong to a cycle (cycle_id): never updated, deleted only while the cycle is a draft."""
    message = f"{table} of a cycle that is no longer a draft cannot change"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"CREATE OR REPLACE FUNCTION {table}_draft_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'UPDATE' OR (SELECT status FROM cycles WHERE id = OLD.cycle_id) <> 'draft' THEN "
            f"RAISE EXCEPTION '{message}'; END IF; RETURN OLD; END $$"
        )
        op.execute(f"CREATE TRIGGER {table}_draft_only BEFORE UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION {table}_draft_only()")
    else:
        op.execute(f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(f"CREATE TRIGGER {table}_draft_delete BEFORE DELETE ON {table} "
                   f"WHEN (SELECT status FROM cycles WHERE id = OLD.cycle_id) <> 'draft' "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")


def drop_draft_only_trigger(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_draft_only ON {table}")
        op.execute(f"DROP FUNCTION IF EXISTS {table}_draft_only()")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update")
        op.execute(f"DROP TRIGGER IF EXISTS {table}_draft_delete")


def add_cycle_guard() -> None:
    """A cycle row is never deleted, and once past draft only its status may change."""
    message = "a cycle past draft changes only its status; cycles are never deleted"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION cycles_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "IF TG_OP = 'DELETE' OR (OLD.status <> 'draft' AND (NEW.count, NEW.total_fen, NEW.inputs, "
            "NEW.jurisdiction_code, NEW.month) IS DISTINCT FROM (OLD.count, OLD.total_fen, OLD.inputs, "
            f"OLD.jurisdiction_code, OLD.month)) THEN RAISE EXCEPTION '{message}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute("CREATE TRIGGER cycles_guard BEFORE UPDATE OR DELETE ON cycles "
                   "FOR EACH ROW EXECUTE FUNCTION cycles_guard()")
    else:
        op.execute(f"CREATE TRIGGER cycles_no_delete BEFORE DELETE ON cycles "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(
            "CREATE TRIGGER cycles_frozen BEFORE UPDATE ON cycles WHEN OLD.status <> 'draft' AND "
            "(NEW.count IS NOT OLD.count OR NEW.total_fen IS NOT OLD.total_fen OR NEW.inputs IS NOT OLD.inputs "
            "OR NEW.jurisdiction_code IS NOT OLD.jurisdiction_code OR NEW.month IS NOT OLD.month) "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END"
        )


def drop_cycle_guard() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cycles_guard ON cycles")
        op.execute("DROP FUNCTION IF EXISTS cycles_guard()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cycles_no_delete")
        op.execute("DROP TRIGGER IF EXISTS cycles_frozen")


# Revision 0011 on: a cycle's run (who, when, the day booked) is frozen past draft too, and its status may move only
# to the status of its last transition record, so status never changes without a record saying who moved it.
_FROZEN_2 = ("count", "total_fen", "inputs", "jurisdiction_code", "month", "run_by", "run_at", "run_on")
_FOLLOWS = "the status of a cycle changes only with a transition record naming the same status"


def add_cycle_guard_2() -> None:
    message = "a cycle past draft changes only its status; cycles are never deleted"
    last = "(SELECT status FROM cycle_transitions WHERE cycle_id = NEW.id ORDER BY id DESC LIMIT 1)"
    if op.get_bind().dialect.name == "postgresql":
        new = ", ".join(f"NEW.{c}" for c in _FROZEN_2)
        old = ", ".join(f"OLD.{c}" for c in _FROZEN_2)
        op.execute(
            "CREATE OR REPLACE FUNCTION cycles_guard() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP = 'DELETE' OR (OLD.status <> 'draft' AND ({new}) IS DISTINCT FROM ({old})) THEN "
            f"RAISE EXCEPTION '{message}'; END IF; "
            "IF TG_OP = 'DELETE' THEN RETURN OLD; END IF; RETURN NEW; END $$"
        )
        op.execute("CREATE TRIGGER cycles_guard BEFORE UPDATE OR DELETE ON cycles "
                   "FOR EACH ROW EXECUTE FUNCTION cycles_guard()")
        op.execute(
            "CREATE OR REPLACE FUNCTION cycles_status_follows() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF NEW.status IS DISTINCT FROM OLD.status AND NEW.status IS DISTINCT FROM {last} THEN "
            f"RAISE EXCEPTION '{_FOLLOWS}'; END IF; RETURN NEW; END $$"
        )
        op.execute("CREATE TRIGGER cycles_status_follows BEFORE UPDATE ON cycles "
                   "FOR EACH ROW EXECUTE FUNCTION cycles_status_follows()")
    else:
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN_2)
        op.execute(f"CREATE TRIGGER cycles_no_delete BEFORE DELETE ON cycles "
                   f"BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(f"CREATE TRIGGER cycles_frozen BEFORE UPDATE ON cycles WHEN OLD.status <> 'draft' AND "
                   f"({changed}) BEGIN SELECT RAISE(ABORT, '{message}'); END")
        op.execute(f"CREATE TRIGGER cycles_status_follows BEFORE UPDATE ON cycles WHEN NEW.status IS NOT OLD.status "
                   f"AND NEW.status IS NOT {last} BEGIN SELECT RAISE(ABORT, '{_FOLLOWS}'); END")


def drop_cycle_guard_2() -> None:
    drop_cycle_guard()
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS cycles_status_follows ON cycles")
        op.execute("DROP FUNCTION IF EXISTS cycles_status_follows()")
    else:
        op.execute("DROP TRIGGER IF EXISTS cycles_status_follows")
