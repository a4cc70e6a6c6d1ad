-- Issue 17: a tamper-evident audit trail. Each event from now on is a link of its agency's
-- chain (`chain_key`: the agency id, or 'platform' for events of no agency), numbered from 1,
-- storing the hash of the link before it and its own hash over its content. An edit or a
-- deletion made behind the API's back breaks the chain where it was made; `ekinerja
-- audit-verify` names the first broken link. Events from before this migration are not part of
-- any chain (chain_key NULL) and are reported as such.
ALTER TABLE audit_events ADD COLUMN chain_key TEXT;
ALTER TABLE audit_events ADD COLUMN chain_seq BIGINT;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- Two links with one number cannot both be stored; the verifier reads a chain in this order.
CREATE UNIQUE INDEX audit_events_chain_idx ON audit_events (chain_key, chain_seq);
