-- How many stored events the projection was folded from (the upgrade's and its rollbacks'). Several
-- instances may fold one upgrade at once, each from the events committed when it read them; the
-- event table only grows, so the fold of more events is the newer one, and an upsert never
-- replaces a projection folded from more events than its own (a stale fold arriving late).
ALTER TABLE upgrades ADD COLUMN story_events INTEGER NOT NULL DEFAULT 0;
