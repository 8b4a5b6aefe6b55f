"""The audit log is append-only in the database too, not only through the ORM

Revision ID: 0012_audit_append_only
Revises: 0011_accounts_security
Create Date: 2026-11-23 08:10:00

An entry may be inserted, never changed nor deleted, whoever writes the SQL. One change is let
through: when its author's account is deleted, ``ON DELETE SET NULL`` empties ``user_id`` (the
entry keeps the author's address in ``actor``).

PostgreSQL refuses UPDATE and DELETE row by row; TRUNCATE stays possible (the owner of the
database can always drop the table anyway, and the tests empty every table with it).
SQLite refuses both too (it has no TRUNCATE: the test suite's cleanup drops the DELETE trigger,
empties the table and puts the trigger back).
"""
from alembic import op

revision = '0012_audit_append_only'
down_revision = '0011_accounts_security'
branch_labels = None
depends_on = None

# In SQL quotes (hence the doubled apostrophe).
MESSAGE = ("Le journal d''audit est en ajout seul : ses entrées ne peuvent être ni modifiées "
           "ni effacées.")

POSTGRESQL_FUNCTION = f"""
CREATE FUNCTION audit_entry_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.user_id IS NULL
       AND to_jsonb(NEW) - 'user_id' = to_jsonb(OLD) - 'user_id' THEN
        RETURN NEW;  -- the author's account was deleted (ON DELETE SET NULL)
    END IF;
    RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege';
END
$$ LANGUAGE plpgsql
"""

# Every column but user_id unchanged, and user_id emptied: the ON DELETE SET NULL case.
SQLITE_UNCHANGED = " AND ".join(
    f"NEW.{column} IS OLD.{column}" for column in (
        "id", "at", "actor", "action", "object_type", "object_id", "summary", "changes"))


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_FUNCTION)
        op.execute("CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry "
                   "FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()")
    else:
        op.execute(f"""
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
WHEN NOT (NEW.user_id IS NULL AND {SQLITE_UNCHANGED})
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END""")
        op.execute(f"""
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN
    SELECT RAISE(ABORT, '{MESSAGE}');
END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_entry")
        op.execute("DROP FUNCTION IF EXISTS audit_entry_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_delete")
        op.execute("DROP TRIGGER IF EXISTS audit_entry_no_update")
