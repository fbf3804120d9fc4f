/// Whether a page's artifacts are looked up among those stored before its COPY, per asset.
///
/// The look-up finds which of a page's artifacts in containers that exist already are stored, so
/// that they are counted as duplicates. A first ingest pays for it on every page and finds nothing,
/// so it is skipped while the asset's recent pages found nothing: the page's artifacts are then copied
/// as new. An artifact that was stored after all is refused by the dedup index, which rolls the whole
/// transaction back (``PostgresStore/savePage(_:_:assetId:now:lookUp:known:touches:logger:)`` raises a
/// ``PostgresSaveRace`` marked `skippedLookUp`); it runs again at once, looking every page up. Either
/// way each artifact is stored once and counted as what it is; a skip only ever costs time.
struct ArtifactProbe: Sendable, Equatable {
    /// Pages still to look up before the look-up is skipped again.
    private(set) var pending = 1
    /// Pages looked up after a page found a stored artifact; doubled by each refused skip, up to
    /// ``maxAfter``, so that an asset whose polls keep overlapping soon stops paying for refusals.
    private(set) var after = 1

    static let maxAfter = 64

    /// Whether the next page is looked up; counts it.
    mutating func next() -> Bool {
        guard pending > 0 else { return false }
        pending -= 1
        return true
    }

    /// A page was looked up; `stored` when it found an artifact already stored.
    mutating func lookedUp(found stored: Bool) {
        if stored { pending = max(pending, after) }
    }

    /// The dedup index refused a skipped look-up: the transaction's `pages` run again, each looked up.
    mutating func refused(pages: Int) {
        after = min(after * 2, ArtifactProbe.maxAfter)
        pending = max(pending, after, pages)
    }
}
