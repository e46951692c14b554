-- Callbacks into the database: every verified event as received, and the delivery records that
-- make each delivery handled once among any number of receivers (sync/SCHEMA.md).

-- One row per verified event (one `qid`), the body exactly as received.
CREATE TABLE callback_events (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    qid          TEXT NOT NULL UNIQUE,        -- the delivery's id (标记一次请求的唯一ID)
    kind         TEXT NOT NULL,               -- transcode_started, transcode_failed, ... (SCHEMA.md)
    room_id      INTEGER,                     -- 房间ID, when the event names one
    session_id   INTEGER,                     -- 长期房间的序列号; NULL for none (the vendor's 0)
    video_id     INTEGER,                     -- the video id the event names
    body         TEXT NOT NULL,               -- the request body as received (the query string when empty)
    received_at  TEXT NOT NULL,               -- RFC 3339 UTC
    refreshed_at TEXT                         -- RFC 3339 UTC: when the sync re-read the room it names
);
-- The rooms still to re-read, oldest event first.
CREATE INDEX callback_events_pending ON callback_events (room_id, id)
    WHERE refreshed_at IS NULL AND room_id IS NOT NULL;
CREATE INDEX callback_events_room ON callback_events (room_id);

-- The delivery records: claimed by one attempt (token) until expires_ms, or completed and kept
-- until expires_ms. Times are unix ms by the database's clock.
CREATE TABLE callback_deliveries (
    qid        TEXT PRIMARY KEY,
    token      TEXT NOT NULL,
    completed  INTEGER NOT NULL DEFAULT 0 CHECK (completed IN (0, 1)),
    expires_ms INTEGER NOT NULL
);
CREATE INDEX callback_deliveries_expiry ON callback_deliveries (expires_ms);
