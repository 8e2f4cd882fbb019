-- Dead letters are told apart by the whole message as received, not by what is stored of it:
-- the stored topic is cut to 256 characters and the stored payload to mqtt.max_payload_bytes, so
-- two different oversized messages (or long topics) with the same beginning used to collapse
-- into one row. message_sha256 = SHA-256(topic bytes || 0x00 || payload bytes), computed by the
-- daemon over the received topic and payload (src/store/identity.rs).
ALTER TABLE rejected_messages ADD COLUMN message_sha256 bytea;
-- Rows written before this migration: the same hash over what was kept (for a rejected reading,
-- its one-reading frame). A message dead-lettered before the upgrade and sent again after it
-- may therefore get one more row.
UPDATE rejected_messages
SET message_sha256 = sha256(convert_to(topic, 'UTF8') || '\x00'::bytea || payload);
ALTER TABLE rejected_messages ALTER COLUMN message_sha256 SET NOT NULL;
ALTER TABLE rejected_messages DROP CONSTRAINT rejected_messages_topic_payload_md5_reading_index_key;
-- A redelivered bad message is recorded once.
ALTER TABLE rejected_messages ADD CONSTRAINT rejected_messages_message_reading_key
    UNIQUE (message_sha256, reading_index);
