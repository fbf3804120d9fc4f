import Foundation

/// The PostgreSQL schema, applied through ordered migrations recorded in `intake_migrations`.
///
/// The tables mirror the SQLite schema column for column, with native types: `timestamptz` for times,
/// `json` (not `jsonb`, which would reorder keys) for the SOAR JSON fields, `bigint` ids from sequences.
enum PostgresSchema {
    struct Migration: Sendable {
        var version: Int
        var name: String
        var sql: String

        /// The statements of `sql`, each ending with a semicolon at the end of a line.
        var statements: [String] {
            (sql + "\n").components(separatedBy: ";\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
                .filter { chunk in chunk.split(separator: "\n").contains { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("--") } }
        }
    }

    /// Taken for the duration of a migration so that processes starting together apply it once.
    static let advisoryLock: Int64 = 0x1274_616B_6501

    static let migrations: [Migration] = [
        Migration(version: 1, name: "containers, artifacts, checkpoints, runs, quarantine, leases", sql: """
            CREATE FUNCTION intake_ts(bigint) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS $$ SELECT 'epoch'::timestamptz + $1 * interval '1 microsecond' $$;
            CREATE FUNCTION intake_us(timestamptz) RETURNS bigint LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
                AS $$ SELECT (extract(epoch FROM $1) * 1000000)::bigint $$;
            CREATE TABLE assets (
                id bigserial PRIMARY KEY,
                name text NOT NULL UNIQUE,
                app text,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE containers (
                id bigserial PRIMARY KEY,
                version integer NOT NULL DEFAULT 1,
                asset_id bigint NOT NULL REFERENCES assets(id),
                asset_name text NOT NULL,
                label text NOT NULL,
                name text NOT NULL,
                source_data_identifier text NOT NULL,
                description text,
                status text NOT NULL DEFAULT 'open',
                sensitivity text NOT NULL DEFAULT 'amber',
                severity text NOT NULL DEFAULT 'medium',
                create_time timestamptz NOT NULL,
                start_time timestamptz,
                end_time timestamptz,
                due_time timestamptz,
                close_time timestamptz,
                kill_chain text,
                owner text,
                hash text NOT NULL,
                tags json NOT NULL DEFAULT '[]',
                artifact_update_time timestamptz,
                container_update_time timestamptz NOT NULL,
                ingest_app_id text,
                data json NOT NULL,
                custom_fields json NOT NULL DEFAULT '{}',
                artifact_count bigint NOT NULL DEFAULT 0
            );
            CREATE UNIQUE INDEX containers_identity ON containers(asset_id, label, source_data_identifier);
            CREATE INDEX containers_label ON containers(label);
            CREATE TABLE artifacts (
                id bigserial PRIMARY KEY,
                version integer NOT NULL DEFAULT 1,
                container_id bigint NOT NULL REFERENCES containers(id) ON DELETE CASCADE,
                name text NOT NULL,
                label text NOT NULL,
                source_data_identifier text,
                create_time timestamptz NOT NULL,
                start_time timestamptz,
                end_time timestamptz,
                severity text NOT NULL,
                type text,
                kill_chain text,
                hash text NOT NULL,
                cef json NOT NULL,
                cef_types json NOT NULL DEFAULT '{}',
                description text,
                tags json NOT NULL DEFAULT '[]',
                data json NOT NULL
            );
            -- SOAR: an artifact with no source_data_identifier is never deduplicated.
            CREATE UNIQUE INDEX artifacts_dedup ON artifacts(container_id, hash) WHERE source_data_identifier IS NOT NULL;
            CREATE INDEX artifacts_container ON artifacts(container_id);
            CREATE TABLE checkpoints (
                asset text PRIMARY KEY,
                cursor json,
                first_run boolean NOT NULL DEFAULT true,
                last_success timestamptz,
                last_error text,
                updated_at timestamptz NOT NULL
            );
            CREATE TABLE poll_runs (
                id bigserial PRIMARY KEY,
                asset text NOT NULL,
                mode text NOT NULL,
                window_start timestamptz,
                window_end timestamptz,
                started_at timestamptz NOT NULL,
                finished_at timestamptz,
                status text NOT NULL,
                error text,
                pages bigint NOT NULL DEFAULT 0,
                records bigint NOT NULL DEFAULT 0,
                containers_new bigint NOT NULL DEFAULT 0,
                containers_duplicate bigint NOT NULL DEFAULT 0,
                artifacts_new bigint NOT NULL DEFAULT 0,
                artifacts_duplicate bigint NOT NULL DEFAULT 0,
                quarantined bigint NOT NULL DEFAULT 0
            );
            CREATE INDEX poll_runs_asset ON poll_runs(asset, id);
            CREATE TABLE quarantine (
                id bigserial PRIMARY KEY,
                asset text NOT NULL,
                run_id bigint,
                record json NOT NULL,
                record_hash text NOT NULL,
                error text NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE INDEX quarantine_asset ON quarantine(asset, id);
            -- A record read again after a limit stopped a poll is not quarantined twice.
            CREATE UNIQUE INDEX quarantine_record ON quarantine(asset, record_hash);
            CREATE TABLE leases (
                name text PRIMARY KEY,
                holder text NOT NULL,
                expires_at timestamptz NOT NULL
            );
            """),
        Migration(version: 2, name: "quarantine retries, indexes for reading and export", sql: """
            ALTER TABLE quarantine ADD COLUMN attempts integer NOT NULL DEFAULT 0;
            ALTER TABLE quarantine ADD COLUMN last_retry_at timestamptz;
            CREATE INDEX containers_asset ON containers(asset_name, id);
            CREATE INDEX containers_updated ON containers(container_update_time);
            CREATE INDEX artifacts_created ON artifacts(create_time);
            """),
        // The foreign key from artifacts to containers checked every artifact row on its own (an index
        // probe and a row lock on its container per row), about a fifth of the server's work in a bulk
        // save. The reference is kept without it: the save transaction looks up or creates each
        // container, and its closing UPDATE of every container it added artifacts to must find them all
        // (a container deleted meanwhile makes the transaction run again). A container's deletion (or
        // TRUNCATE) still removes its artifacts, by statement-level triggers. `create_time` only grows
        // with the table, which a BRIN index (a few pages, nearly free to keep) answers ranges of as
        // well as the B-tree did.
        Migration(version: 3, name: "the container reference kept by the save and by triggers, a BRIN index on create_time", sql: """
            ALTER TABLE artifacts DROP CONSTRAINT IF EXISTS artifacts_container_id_fkey;
            CREATE FUNCTION intake_delete_artifacts_of_deleted_containers() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN DELETE FROM artifacts a USING intake_deleted d WHERE a.container_id = d.id; RETURN NULL; END $$;
            CREATE TRIGGER containers_delete_artifacts AFTER DELETE ON containers REFERENCING OLD TABLE AS intake_deleted
                FOR EACH STATEMENT EXECUTE FUNCTION intake_delete_artifacts_of_deleted_containers();
            CREATE FUNCTION intake_delete_all_artifacts() RETURNS trigger LANGUAGE plpgsql
                AS $$ BEGIN DELETE FROM artifacts; RETURN NULL; END $$;
            CREATE TRIGGER containers_truncate_artifacts AFTER TRUNCATE ON containers
                FOR EACH STATEMENT EXECUTE FUNCTION intake_delete_all_artifacts();
            DROP INDEX IF EXISTS artifacts_created;
            CREATE INDEX artifacts_created ON artifacts USING brin (create_time);
            """),
    ]

    /// Column lists that read times as microseconds and JSON as text, in the names the decoders use.
    static let containerColumns = """
        id, version, asset_id, asset_name, label, name, source_data_identifier, description, status, sensitivity, severity,
        intake_us(create_time) AS create_time, intake_us(start_time) AS start_time, intake_us(end_time) AS end_time,
        intake_us(due_time) AS due_time, intake_us(close_time) AS close_time, kill_chain, owner, hash, tags::text AS tags,
        intake_us(artifact_update_time) AS artifact_update_time, intake_us(container_update_time) AS container_update_time,
        ingest_app_id, data::text AS data, custom_fields::text AS custom_fields, artifact_count
        """

    static let artifactColumns = """
        a.id, a.version, a.container_id, a.name, a.label, a.source_data_identifier, intake_us(a.create_time) AS create_time,
        intake_us(a.start_time) AS start_time, intake_us(a.end_time) AS end_time, a.severity, a.type, a.kill_chain, a.hash,
        a.cef::text AS cef, a.cef_types::text AS cef_types, a.description, a.tags::text AS tags, a.data::text AS data
        """

    static let runColumns = """
        id, asset, mode, intake_us(window_start) AS window_start, intake_us(window_end) AS window_end,
        intake_us(started_at) AS started_at, intake_us(finished_at) AS finished_at, status, error, pages, records,
        containers_new, containers_duplicate, artifacts_new, artifacts_duplicate, quarantined
        """

    static let quarantineColumns = """
        id, asset, run_id, record::text AS record, error, intake_us(created_at) AS created_at, attempts,
        intake_us(last_retry_at) AS last_retry_at
        """
}
