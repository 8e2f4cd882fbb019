-- Dead letters can be replayed (`wasteflow dead-letters replay`): a replayed one is marked in
-- the same transaction that stores its readings; NULL means pending.
ALTER TABLE rejected_messages ADD COLUMN replayed_at timestamptz;
-- Replay and the pending count read the pending rows only.
CREATE INDEX rejected_messages_pending ON rejected_messages (id) WHERE replayed_at IS NULL;
-- The writer role marks a dead letter replayed, and changes nothing else of it.
GRANT UPDATE (replayed_at) ON rejected_messages TO wasteflow_writer;
