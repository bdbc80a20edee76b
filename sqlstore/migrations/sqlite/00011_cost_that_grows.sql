-- What keeps the cost of reading incidents from growing with their number
-- (docs/adr/0054; the other dialect's 00011 is its twin).
--
-- Text search: a trigram full-text index of every incident's title and
-- description, kept by triggers, so that q= finds the same substrings as
-- before (case-insensitively) without reading every incident. External
-- content: the index holds no copy of the text.

-- +goose Up
CREATE VIRTUAL TABLE incidents_text USING fts5(
    title, description,
    content = 'incidents', content_rowid = 'number',
    tokenize = 'trigram case_sensitive 0'
);
INSERT INTO incidents_text (incidents_text) VALUES ('rebuild');

-- +goose StatementBegin
CREATE TRIGGER incidents_text_insert AFTER INSERT ON incidents
BEGIN
    INSERT INTO incidents_text (rowid, title, description) VALUES (new.number, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incidents_text_update AFTER UPDATE OF title, description ON incidents
WHEN old.title IS NOT new.title OR old.description IS NOT new.description
BEGIN
    INSERT INTO incidents_text (incidents_text, rowid, title, description) VALUES ('delete', old.number, old.title, old.description);
    INSERT INTO incidents_text (rowid, title, description) VALUES (new.number, new.title, new.description);
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER incidents_text_delete AFTER DELETE ON incidents
BEGIN
    INSERT INTO incidents_text (incidents_text, rowid, title, description) VALUES ('delete', old.number, old.title, old.description);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER incidents_text_delete;
DROP TRIGGER incidents_text_update;
DROP TRIGGER incidents_text_insert;
DROP TABLE incidents_text;
