extension Artifact {
    /// The artifact as one CEF event: signature = label, name = name, severity on CEF's 0-10 scale,
    /// and the extension = the `cef` body in order (strings as they are, numbers and booleans as
    /// text, objects and arrays as canonical JSON; nulls and empty strings left out, as CEF cannot
    /// tell an empty value from an absent one), plus `rt` (start time, else
    /// create time, in epoch milliseconds) when the body has no `rt` of its own.
    public func cefLine(vendor: String = "Intake", product: String = "Intake", version: String) -> CEFLine {
        var ext: [(key: String, value: String)] = []
        for m in cef {
            guard let text = CEFLine.extensionText(m.value), !text.isEmpty else { continue }
            ext.append((m.key, text))
        }
        if cef["rt"] == nil {
            ext.append(("rt", String((startTime ?? createTime).milliseconds)))
        }
        return CEFLine(vendor: vendor, product: product, version: version, signature: label, name: name,
                       severity: CEFLine.severityScore(severity), extensions: ext)
    }
}
