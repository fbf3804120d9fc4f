import GRDB

/// The SQLite schema, applied through ordered migrations (each runs once, recorded by GRDB).
enum SQLiteSchema {
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1: containers, artifacts, checkpoints, runs, quarantine, leases") { db in
            try db.execute(sql: """
                CREATE TABLE assets (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE,
                    app TEXT,
                    created_at TEXT NOT NULL
                );
                CREATE TABLE containers (
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL DEFAULT 1,
                    asset_id INTEGER NOT NULL REFERENCES assets(id),
                    asset_name TEXT NOT NULL,
                    label TEXT NOT NULL,
                    name TEXT NOT NULL,
                    source_data_identifier TEXT NOT NULL,
                    description TEXT,
                    status TEXT NOT NULL DEFAULT 'open',
                    sensitivity TEXT NOT NULL DEFAULT 'amber',
                    severity TEXT NOT NULL DEFAULT 'medium',
                    create_time TEXT NOT NULL,
                    start_time TEXT,
                    end_time TEXT,
                    due_time TEXT,
                    close_time TEXT,
                    kill_chain TEXT,
                    owner TEXT,
                    hash TEXT NOT NULL,
                    tags TEXT NOT NULL DEFAULT '[]',
                    artifact_update_time TEXT,
                    container_update_time TEXT NOT NULL,
                    ingest_app_id TEXT,
                    data TEXT NOT NULL,
                    custom_fields TEXT NOT NULL DEFAULT '{}',
                    artifact_count INTEGER NOT NULL DEFAULT 0
                );
                CREATE UNIQUE INDEX containers_identity ON containers(asset_id, label, source_data_identifier);
                CREATE INDEX containers_label ON containers(label);
                CREATE TABLE artifacts (
                    id INTEGER PRIMARY KEY,
                    version INTEGER NOT NULL DEFAULT 1,
                    container_id INTEGER NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
                    name TEXT NOT NULL,
                    label TEXT NOT NULL,
                    source_data_identifier TEXT,
                    create_time TEXT NOT NULL,
                    start_time TEXT,
                    end_time TEXT,
                    severity TEXT NOT NULL,
                    type TEXT,
                    kill_chain TEXT,
                    hash TEXT NOT NULL,
                    cef TEXT NOT NULL,
                    cef_types TEXT NOT NULL DEFAULT '{}',
                    description TEXT,
                    tags TEXT NOT NULL DEFAULT '[]',
                    data TEXT NOT NULL
                );
                -- SOAR: an artifact with no source_data_identifier is never deduplicated.
                CREATE UNIQUE INDEX artifacts_dedup ON artifacts(container_id, hash) WHERE source_data_identifier IS NOT NULL;
                CREATE INDEX artifacts_container ON artifacts(container_id);
                CREATE TABLE checkpoints (
                    asset TEXT PRIMARY KEY,
                    cursor TEXT,
                    first_run INTEGER NOT NULL DEFAULT 1,
                    last_success TEXT,
                    last_error TEXT,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE poll_runs (
                    id INTEGER PRIMARY KEY,
                    asset TEXT NOT NULL,
                    mode TEXT NOT NULL,
                    window_start TEXT,
                    window_end TEXT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT,
                    status TEXT NOT NULL,
                    error TEXT,
                    pages INTEGER NOT NULL DEFAULT 0,
                    records INTEGER NOT NULL DEFAULT 0,
                    containers_new INTEGER NOT NULL DEFAULT 0,
                    containers_duplicate INTEGER NOT NULL DEFAULT 0,
                    artifacts_new INTEGER NOT NULL DEFAULT 0,
                    artifacts_duplicate INTEGER NOT NULL DEFAULT 0,
                    quarantined INTEGER NOT NULL DEFAULT 0
                );
                CREATE INDEX poll_runs_asset ON poll_runs(asset, id);
                CREATE TABLE quarantine (
                    id INTEGER PRIMARY KEY,
                    asset TEXT NOT NULL,
                    run_id INTEGER,
                    record TEXT NOT NULL,
                    record_hash TEXT NOT NULL,
                    error TEXT NOT NULL,
                    created_at TEXT NOT NULL
                );
                CREATE INDEX quarantine_asset ON quarantine(asset, id);
                -- A record read again after a limit stopped a poll is not quarantined twice.
                CREATE UNIQUE INDEX quarantine_record ON quarantine(asset, record_hash);
                CREATE TABLE leases (
                    name TEXT PRIMARY KEY,
                    holder TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                );
                """)
        }
        m.registerMigration("v2: quarantine retries, indexes for reading and export") { db in
            try db.execute(sql: """
                ALTER TABLE quarantine ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE quarantine ADD COLUMN last_retry_at TEXT;
                CREATE INDEX containers_asset ON containers(asset_name, id);
                CREATE INDEX containers_updated ON containers(container_update_time);
                CREATE INDEX artifacts_created ON artifacts(create_time);
                """)
        }
        return m
    }()
}
