-- A workspace owner may show a supplier representative the whole model (read-only), not
-- only the rows of its own party.
ALTER TABLE members ADD COLUMN sees_all BIGINT NOT NULL DEFAULT 0;
