-- The notifier's first schema (applied by the hand-written runner before Flyway: a database that
-- has it is baselined at version 1). A released migration is never edited.
CREATE TABLE notifier.plans (
  upgrade_id text PRIMARY KEY,
  platform text NOT NULL,
  plan text NOT NULL,
  started_at timestamptz,
  updated_at timestamptz NOT NULL);
CREATE TABLE notifier.deliveries (
  id text PRIMARY KEY,
  event_id text NOT NULL,
  team text NOT NULL,
  channel text NOT NULL,
  channel_type text NOT NULL,
  platform text NOT NULL,
  upgrade_id text,
  state text NOT NULL,
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  notice text NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  outcome_published boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  UNIQUE (event_id, team, channel));
CREATE INDEX deliveries_open ON notifier.deliveries (state, outcome_published);
CREATE TABLE notifier.feed_entries (
  id bigserial PRIMARY KEY,
  team text NOT NULL,
  notice_id text NOT NULL,
  type text NOT NULL,
  severity text NOT NULL,
  platform text NOT NULL,
  upgrade_id text,
  time timestamptz NOT NULL,
  subject text NOT NULL,
  body text NOT NULL,
  UNIQUE (team, notice_id));
CREATE INDEX feed_entries_team ON notifier.feed_entries (team, id);
CREATE TABLE notifier.advance_notices (
  id text PRIMARY KEY,
  upgrade_id text NOT NULL,
  lead text NOT NULL,
  due_at timestamptz NOT NULL,
  state text NOT NULL,
  updated_at timestamptz NOT NULL);
CREATE INDEX advance_notices_due ON notifier.advance_notices (state, due_at);
CREATE TABLE notifier.subscriptions (
  id int PRIMARY KEY,
  document text NOT NULL,
  updated_at timestamptz NOT NULL);
