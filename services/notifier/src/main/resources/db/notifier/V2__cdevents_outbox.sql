-- The CDEvents outbox: every CDEvent for each configured sink, written in the transaction that
-- handles the Lockstep event it tells, sent in order (seq) per sink, kept once sent so that a
-- redelivered event adds nothing. A released migration is never edited.
CREATE TABLE notifier.cdevents_outbox (
  seq bigserial PRIMARY KEY,
  sink text NOT NULL,
  id text NOT NULL,
  event_id text NOT NULL,
  type text NOT NULL,
  source text NOT NULL,
  subject_id text NOT NULL,
  occurred_at timestamptz NOT NULL,
  platform text NOT NULL,
  event text NOT NULL,
  state text NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (sink, id));
CREATE INDEX cdevents_outbox_pending ON notifier.cdevents_outbox (sink, state, seq);
