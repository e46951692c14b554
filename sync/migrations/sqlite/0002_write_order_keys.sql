-- Two keys that follow the order the sync writes in, so a page's inserts land together instead of
-- touching every page of the table (measured: 4.6x fewer bytes written to the WAL in a backfill).
--
-- playbacks: a rowid table (rows stored in the order they were first written) with `playback_id`
-- UNIQUE, instead of `playback_id` as the rowid: the list's order is its creation time, and ids
-- need not follow it. Lookups by `playback_id` still use an index.
CREATE TABLE playbacks_new (
    playback_id    INTEGER NOT NULL UNIQUE,
    product_type   INTEGER NOT NULL,
    room_id        INTEGER NOT NULL,
    session_id     INTEGER,
    version        INTEGER NOT NULL DEFAULT 0,
    name           TEXT,
    status         INTEGER NOT NULL,
    publish_status INTEGER,
    video_id       INTEGER,
    length         INTEGER,
    create_time    TEXT,
    create_unix    INTEGER,
    raw            TEXT NOT NULL,
    read_at        INTEGER NOT NULL,
    first_seen_at  TEXT NOT NULL,
    synced_at      TEXT NOT NULL,
    deleted_at     TEXT,
    seen_sweep     INTEGER NOT NULL DEFAULT 0
);
INSERT INTO playbacks_new SELECT playback_id, product_type, room_id, session_id, version, name,
    status, publish_status, video_id, length, create_time, create_unix, raw, read_at,
    first_seen_at, synced_at, deleted_at, seen_sweep FROM playbacks ORDER BY create_unix DESC;
DROP TABLE playbacks;
ALTER TABLE playbacks_new RENAME TO playbacks;
CREATE INDEX playbacks_room ON playbacks (room_id, session_id, version);
CREATE INDEX playbacks_product_sweep ON playbacks (product_type, seen_sweep) WHERE deleted_at IS NULL;
CREATE INDEX playbacks_pending ON playbacks (product_type, create_unix)
    WHERE deleted_at IS NULL AND status IN (10, 20);

-- play_records: keyed by (day, guid) instead of (guid, day). The sync writes one day at a time and
-- a play's guid is random, so the old key spread every page's inserts over the whole index; the
-- new one keeps a day's rows together. The same key also serves `WHERE day ...`, so the separate
-- `(day)` index goes. Rows and columns are unchanged.
CREATE TABLE play_records_new (
    guid            TEXT NOT NULL,
    day             TEXT NOT NULL,
    video_id        INTEGER NOT NULL,
    uuid            TEXT,
    user_name       TEXT,
    user_number     INTEGER,
    play_begin_time TEXT,
    play_end_time   TEXT,
    play_length     INTEGER,
    client_type     INTEGER,
    user_ip         TEXT,
    area            TEXT,
    ext_data        TEXT,
    date            TEXT,
    raw             TEXT NOT NULL,
    read_at         INTEGER NOT NULL,
    first_seen_at   TEXT NOT NULL,
    synced_at       TEXT NOT NULL,
    PRIMARY KEY (day, guid)
);
INSERT INTO play_records_new SELECT guid, day, video_id, uuid, user_name, user_number,
    play_begin_time, play_end_time, play_length, client_type, user_ip, area, ext_data, date, raw,
    read_at, first_seen_at, synced_at FROM play_records;
DROP TABLE play_records;
ALTER TABLE play_records_new RENAME TO play_records;
CREATE INDEX play_records_video_day ON play_records (video_id, day);
