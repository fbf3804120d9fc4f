import IntakeCore

/// A result row of either backend read by column name, so that both decode the SOAR records the same way.
///
/// SQLite keeps times as ISO-8601 text; PostgreSQL hands them over as microseconds since the epoch. Each
/// backend says how it reads a time; everything else is shared.
protocol StoreRow {
    func text(_ column: String) -> String?
    func int(_ column: String) -> Int64?
    func time(_ column: String) -> Timestamp?
}

extension StoreRow {
    func json(_ column: String) -> JSONValue? {
        text(column).flatMap { try? JSONParser.parse($0) }
    }

    func strings(_ column: String) -> [String] {
        json(column)?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    private func requiredTime(_ column: String) -> Timestamp {
        time(column) ?? Timestamp(microseconds: 0)
    }

    var container: Container {
        Container(id: int("id") ?? 0, label: text("label") ?? "", name: text("name") ?? "",
                  sourceDataIdentifier: text("source_data_identifier") ?? "", description: text("description"),
                  status: text("status") ?? "open", sensitivity: text("sensitivity") ?? "amber", severity: text("severity") ?? "medium",
                  createTime: requiredTime("create_time"), startTime: time("start_time"), endTime: time("end_time"),
                  dueTime: time("due_time"), closeTime: time("close_time"), killChain: text("kill_chain"), owner: text("owner"),
                  hash: text("hash") ?? "", tags: strings("tags"), asset: int("asset_id"), assetName: text("asset_name"),
                  artifactUpdateTime: time("artifact_update_time"), containerUpdateTime: requiredTime("container_update_time"),
                  ingestAppId: text("ingest_app_id"), data: json("data") ?? .null,
                  customFields: json("custom_fields")?.objectValue ?? [:], artifactCount: Int(int("artifact_count") ?? 0))
    }

    var artifact: Artifact {
        Artifact(id: int("id") ?? 0, name: text("name") ?? "", label: text("label") ?? "",
                 sourceDataIdentifier: text("source_data_identifier"), createTime: requiredTime("create_time"),
                 startTime: time("start_time"), endTime: time("end_time"), severity: text("severity") ?? "medium",
                 type: text("type"), killChain: text("kill_chain"), hash: text("hash") ?? "",
                 cef: json("cef")?.objectValue ?? [:], cefTypes: json("cef_types")?.objectValue ?? [:],
                 container: int("container_id") ?? 0, description: text("description"), tags: strings("tags"),
                 data: json("data") ?? .null)
    }

    var pollRun: PollRun {
        var s = PollSummary()
        s.pages = Int(int("pages") ?? 0)
        s.records = Int(int("records") ?? 0)
        s.containersNew = Int(int("containers_new") ?? 0)
        s.containersDuplicate = Int(int("containers_duplicate") ?? 0)
        s.artifactsNew = Int(int("artifacts_new") ?? 0)
        s.artifactsDuplicate = Int(int("artifacts_duplicate") ?? 0)
        s.quarantined = Int(int("quarantined") ?? 0)
        return PollRun(id: int("id") ?? 0, asset: text("asset") ?? "", mode: PollMode(rawValue: text("mode") ?? "") ?? .scheduled,
                       windowStart: time("window_start"), windowEnd: time("window_end"), startedAt: requiredTime("started_at"),
                       finishedAt: time("finished_at"), status: text("status") ?? "", error: text("error"), summary: s)
    }

    var quarantineEntry: QuarantineEntry {
        QuarantineEntry(id: int("id"), asset: text("asset") ?? "", runId: int("run_id"), record: json("record") ?? .null,
                        error: text("error") ?? "", createdAt: requiredTime("created_at"), attempts: Int(int("attempts") ?? 0),
                        lastRetryAt: time("last_retry_at"))
    }

    func checkpoint(asset: String) -> Checkpoint {
        Checkpoint(asset: asset, cursor: json("cursor"), firstRun: (int("first_run") ?? 1) != 0, lastSuccess: time("last_success"),
                   lastError: text("last_error"), updatedAt: requiredTime("updated_at"))
    }
}
