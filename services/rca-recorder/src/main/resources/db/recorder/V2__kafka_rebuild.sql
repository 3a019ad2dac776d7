-- A rebuild of the event table from Kafka (disaster recovery), recorded so that a rebuild cut
-- short (a crash, the database gone, its time limit) resumes where it stopped at the next start.
-- At most one is ever recorded: a rebuild begins only on an empty event table with none recorded.
CREATE TABLE kafka_rebuild (
    id          INTEGER     PRIMARY KEY CHECK (id = 1),
    started_at  TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ
);

-- Per topic-partition: the end offset found when the rebuild began (it reads up to, not including,
-- it) and the first offset not yet stored. next_offset is written in the transaction that stores
-- the rows below it, so it never runs ahead of the event table.
CREATE TABLE kafka_rebuild_partitions (
    topic           TEXT    NOT NULL,
    kafka_partition INTEGER NOT NULL,
    target_offset   BIGINT  NOT NULL,
    next_offset     BIGINT  NOT NULL,
    PRIMARY KEY (topic, kafka_partition)
);
