-- baijiayun-sync, SQLite: the account's playbacks and play records, and the sync's own state.
-- Column meanings, in the vendor's words: sync/SCHEMA.md. Table and column names are public API.

-- One row per playback (API 2 获取回放列表 with crop_video=1: every product line, crop versions too).
CREATE TABLE playbacks (
    playback_id    INTEGER PRIMARY KEY,           -- 当前回放的唯一ID
    product_type   INTEGER NOT NULL,              -- 产品线: the list it was read from
    room_id        INTEGER NOT NULL,              -- 回放教室号
    session_id     INTEGER,                       -- 回放序列号; NULL for none (the vendor's 0)
    version        INTEGER NOT NULL DEFAULT 0,    -- 裁剪版本，未裁剪为0
    name           TEXT,                          -- 回放名称
    status         INTEGER NOT NULL,              -- 回放视频的状态
    publish_status INTEGER,                       -- 视频屏蔽状态 1:未屏蔽 2:已屏蔽
    video_id       INTEGER,                       -- 回放对应的视频ID
    length         INTEGER,                       -- 回放视频时长（秒）
    create_time    TEXT,                          -- 回放生成时间, 'YYYY-MM-DD HH:MM:SS' Beijing time
    create_unix    INTEGER,                       -- create_time as unix seconds
    raw            TEXT NOT NULL,                 -- the list item's JSON exactly as received
    read_at        INTEGER NOT NULL,              -- unix ms when this data was read; never goes back
    first_seen_at  TEXT NOT NULL,                 -- RFC 3339 UTC
    synced_at      TEXT NOT NULL,                 -- RFC 3339 UTC: the last read that confirmed the row
    deleted_at     TEXT,                          -- RFC 3339 UTC: a completed sweep no longer found it
    seen_sweep     INTEGER NOT NULL DEFAULT 0     -- the last full sweep that saw it (internal)
);
CREATE INDEX playbacks_room ON playbacks (room_id, session_id, version);
CREATE INDEX playbacks_product_sweep ON playbacks (product_type, seen_sweep) WHERE deleted_at IS NULL;
CREATE INDEX playbacks_pending ON playbacks (product_type, create_unix)
    WHERE deleted_at IS NULL AND status IN (10, 20);

-- One row per play and day (API 37 按账户级别获取回放播放记录, in one-day windows).
CREATE TABLE play_records (
    guid            TEXT NOT NULL,                -- 一次播放的唯一标识 (a play across midnight is split per day)
    day             TEXT NOT NULL,                -- the one-day window it was read in, 'YYYY-MM-DD' Beijing
    video_id        INTEGER NOT NULL,             -- 回放对应的视频ID
    uuid            TEXT,
    user_name       TEXT,                         -- 用户名
    user_number     INTEGER,                      -- 用户 number
    play_begin_time TEXT,                         -- 起始播放时间
    play_end_time   TEXT,                         -- 结束播放时间
    play_length     INTEGER,                      -- 实际观看时间，单位秒
    client_type     INTEGER,                      -- 客户端类型
    user_ip         TEXT,                         -- 用户 IP
    area            TEXT,                         -- 用户所在地域
    ext_data        TEXT,                         -- 自定义上报字段
    date            TEXT,                         -- the vendor's statistics day, when sent
    raw             TEXT NOT NULL,                -- the record's JSON exactly as received
    read_at         INTEGER NOT NULL,
    first_seen_at   TEXT NOT NULL,
    synced_at       TEXT NOT NULL,
    PRIMARY KEY (guid, day)
);
CREATE INDEX play_records_video_day ON play_records (video_id, day);
CREATE INDEX play_records_day ON play_records (day);

-- Items the vendor sent that could not be stored in their table (e.g. a playback without a
-- playback_id): kept as received, never dropped.
CREATE TABLE sync_rejects (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    stream   TEXT NOT NULL,
    reason   TEXT NOT NULL,
    raw      TEXT NOT NULL,
    seen_at  TEXT NOT NULL,
    UNIQUE (stream, raw)
);

-- Each stream's cursor (JSON, see SCHEMA.md), written in the same transaction as the rows it covers.
CREATE TABLE sync_cursors (
    stream     TEXT PRIMARY KEY,
    state      TEXT NOT NULL,
    run_id     INTEGER,
    updated_at TEXT NOT NULL
);

CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    instance     TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('incremental', 'full')),
    status       TEXT NOT NULL CHECK (status IN ('running', 'complete', 'error', 'interrupted')),
    started_at   TEXT NOT NULL,
    finished_at  TEXT,
    requests     INTEGER NOT NULL DEFAULT 0,
    rows_written INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);

-- When the sync sent each request (unix ms), written before the request leaves: a process that
-- restarts after a crash counts what the dead one sent in the last window.
CREATE TABLE sync_requests (
    at_ms  INTEGER NOT NULL,
    run_id INTEGER
);
CREATE INDEX sync_requests_at ON sync_requests (at_ms);
