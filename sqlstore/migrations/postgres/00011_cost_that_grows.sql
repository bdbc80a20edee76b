-- What keeps the cost of reading incidents from growing with their number
-- (docs/adr/0054; the other dialect's 00011 is its twin).
--
-- Text search: trigram indexes (pg_trgm) of every incident's lowered title
-- and description, which the search's LOWER(...) LIKE '%text%' uses, so
-- that q= finds the same substrings as before without reading every
-- incident. pg_trgm ships with PostgreSQL (contrib) and is a trusted
-- extension: a role that may create in the database may install it. Where
-- it is installed already, in any schema, that one is used; where it cannot
-- be installed, the migration warns and search keeps scanning.

-- +goose Up
-- +goose StatementBegin
DO $$
DECLARE
    trgm TEXT;
BEGIN
    -- Installed in public when it may be, so that it outlives any one
    -- schema (dropping the schema an extension is in drops it and every
    -- index that uses it, in any schema); else in Fireline's own schema.
    FOR attempt IN 1..3 LOOP
        SELECT n.nspname INTO trgm FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
            WHERE e.extname = 'pg_trgm';
        EXIT WHEN trgm IS NOT NULL OR attempt = 3;
        BEGIN
            IF attempt = 1 AND EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'public') THEN
                CREATE EXTENSION pg_trgm SCHEMA public;
            ELSE
                CREATE EXTENSION pg_trgm;
            END IF;
        EXCEPTION WHEN OTHERS THEN
            RAISE NOTICE 'fireline: installing pg_trgm: %', SQLERRM;
        END;
    END LOOP;
    IF trgm IS NULL THEN
        RAISE WARNING 'fireline: pg_trgm could not be installed; text search reads every incident until its two indexes exist (docs/adr/0054)';
        RETURN;
    END IF;
    EXECUTE format('CREATE INDEX incidents_title_trgm ON incidents USING gin (lower(title) %I.gin_trgm_ops)', trgm);
    EXECUTE format('CREATE INDEX incidents_description_trgm ON incidents USING gin (lower(description) %I.gin_trgm_ops)', trgm);
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP INDEX IF EXISTS incidents_description_trgm;
DROP INDEX IF EXISTS incidents_title_trgm;
