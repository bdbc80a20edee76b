-- An incident's checklist: its playbooks and the state of their steps
-- (fireline.Checklist as JSON), derived from its timeline's
-- playbook_attached, playbook_detached, step_checked and step_unchecked
-- events and written in their transaction. A row of its own, so that
-- incident lists and alert intake's updates do not carry it; an
-- incident without one has no playbooks.

-- +goose Up
CREATE TABLE incident_checklists (
    incident_number BIGINT PRIMARY KEY REFERENCES incidents (number),
    checklist       TEXT NOT NULL
);

-- +goose Down
DROP TABLE incident_checklists;
