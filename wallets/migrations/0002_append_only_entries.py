from django.db import migrations

# The ORM refuses to update or delete entries; this makes PostgreSQL refuse it too, for raw SQL
# and for anyone with a psql prompt. TRUNCATE (used by the test suite to reset) is not affected.
FORBID = """
CREATE FUNCTION wallets_entry_is_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'wallet entries are append-only (% refused)', TG_OP;
END;
$$;
CREATE TRIGGER wallets_walletentry_append_only
    BEFORE UPDATE OR DELETE ON wallets_walletentry
    FOR EACH ROW EXECUTE FUNCTION wallets_entry_is_immutable();
"""

ALLOW = """
DROP TRIGGER IF EXISTS wallets_walletentry_append_only ON wallets_walletentry;
DROP FUNCTION IF EXISTS wallets_entry_is_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("wallets", "0001_initial")]

    operations = [migrations.RunSQL(FORBID, ALLOW)]
