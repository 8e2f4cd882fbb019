-- Inbox frames the live fold cannot apply (docs/reliability.md, "One frame the live fold cannot
-- apply"). A frame whose times PostgreSQL cannot hold, or an inbox row the database refuses to
-- fold, is moved here with its reason instead of stopping the fold for every gateway of the
-- zone. Its readings are stored and counted as usual; only the live state did not see them.
-- `frames` keeps the bytes as live_inbox held them (src/wire/inbox.rs); an operator who fixed
-- the cause can put a row back with
--   INSERT INTO live_inbox (gateway_id, frames) SELECT gateway_id, frames FROM live_set_aside WHERE id = ...;
CREATE TABLE live_set_aside (
    id            bigserial   PRIMARY KEY,
    inbox_id      int8,                   -- the live_inbox row; NULL for frames a gateway's counter held
    gateway_id    text        NOT NULL,
    frames        bytea       NOT NULL,
    reason        text        NOT NULL,
    set_aside_at  timestamptz NOT NULL DEFAULT now()
);

GRANT SELECT, INSERT ON live_set_aside TO wasteflow_writer;
GRANT USAGE ON SEQUENCE live_set_aside_id_seq TO wasteflow_writer;
