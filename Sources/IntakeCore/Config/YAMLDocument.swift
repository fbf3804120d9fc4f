import Yams

/// A YAML (or JSON) document converted to ``JSONValue``, remembering where every value was written
/// so that errors can say `FILE:LINE:COLUMN`.
///
/// Plain scalars resolve as YAML 1.1 core types (null, booleans, integers, floats); quoted scalars
/// are always strings, so `"0123"` stays text.
public struct YAMLDocument: Sendable {
    public struct Position: Sendable, Hashable, CustomStringConvertible {
        public var line: Int
        public var column: Int
        /// True when the scalar was written in quotes, so its text starts one column later.
        public var quoted: Bool
        public init(line: Int, column: Int, quoted: Bool = false) {
            self.line = line
            self.column = column
            self.quoted = quoted
        }
        public var description: String { "\(line):\(column)" }
    }

    /// The file the document came from, as it should appear in messages.
    public let file: String
    public let root: JSONValue
    /// Positions by path: `ingest.schedule.interval`, `artifacts[0].cef.sourceAddress`;
    /// a key's own position is stored under `path#key`.
    public let positions: [String: Position]

    /// A document made from a value with no source positions (for mappings built in code).
    public init(value: JSONValue, file: String) {
        self.file = file
        self.root = value
        self.positions = [:]
    }

    public init(text: String, file: String) throws(IntakeError) {
        self.file = file
        // A byte order mark, which Windows editors write, is not part of the document (YAML 1.2, 5.2).
        let text = text.unicodeScalars.first == "\u{FEFF}" ? String(text.unicodeScalars.dropFirst()) : text
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw YAMLDocument.describe(error, file: file, text: text)
        } catch {
            throw IntakeError(.configuration, "cannot read YAML: \(error)", at: file)
        }
        var positions: [String: Position] = [:]
        if let node {
            root = try YAMLDocument.convert(node, path: "", file: file, positions: &positions)
        } else {
            root = .null
        }
        self.positions = positions
    }

    /// `FILE:LINE:COLUMN` of the value at `path`, or of its nearest ancestor that has a position.
    public func location(_ path: String) -> String {
        var p = path
        while true {
            if let pos = positions[p] { return "\(file):\(pos)" }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            p = String(p[..<cut])
        }
        if let pos = positions[""] { return "\(file):\(pos)" }
        return file
    }

    /// `FILE:LINE:COLUMN` of the key at `path` itself (for "unknown key" errors).
    public func keyLocation(_ path: String) -> String {
        if let pos = positions[path + "#key"] { return "\(file):\(pos)" }
        return location(path)
    }

    static func child(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func convert(_ node: Node, path: String, file: String, positions: inout [String: Position]) throws(IntakeError) -> JSONValue {
        if let m = node.mark {
            var quoted = false
            if case .scalar(let sc) = node { quoted = sc.style == .singleQuoted || sc.style == .doubleQuoted }
            positions[path] = Position(line: m.line, column: m.column, quoted: quoted)
        }
        switch node {
        case .scalar(let scalar):
            if scalar.style != .plain { return .string(scalar.string) }
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .null: return .null
            case .bool: return node.bool.map(JSONValue.bool) ?? .string(scalar.string)
            case .int:
                if let i = node.int { return .int(Int64(i)) }
                // A decimal integer beyond Int64 keeps its digits, read as JSON reads it (``JSONValue/bigInt(_:)``).
                if case .bigInt(let digits)? = try? JSONParser.parse(scalar.string) { return .bigInt(digits) }
                return node.float.map(JSONValue.double) ?? .string(scalar.string)
            case .float:
                if let d = node.float, d.isFinite { return .double(d) }
                return .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let seq):
            var out: [JSONValue] = []
            for (i, n) in seq.enumerated() {
                out.append(try convert(n, path: "\(path)[\(i)]", file: file, positions: &positions))
            }
            return .array(out)
        case .mapping(let map):
            var o = JSONObject()
            for (k, v) in map {
                guard case .scalar(let ks) = k else {
                    throw IntakeError(.configuration, "mapping keys must be plain strings", at: location(of: k, file))
                }
                let key = ks.string
                let childPath = child(path, key)
                if o[key] != nil {
                    throw IntakeError(.configuration, "duplicate key '\(key)'", at: location(of: k, file))
                }
                if let m = k.mark { positions[childPath + "#key"] = Position(line: m.line, column: m.column) }
                o.append(key, try convert(v, path: childPath, file: file, positions: &positions))
            }
            return .object(o)
        case .alias:
            throw IntakeError(.configuration, "YAML aliases are not supported here; repeat the value", at: location(of: node, file))
        }
    }

    static func location(of node: Node, _ file: String) -> String {
        node.mark.map { "\(file):\($0.line):\($0.column)" } ?? file
    }

    static func describe(_ error: YamlError, file: String, text: String) -> IntakeError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
             .composer(let context, let problem, let mark, _):
            let ctx = context.map { " (\($0.text))" } ?? ""
            // The usual cause of "cannot start any token" at the start of a line: a tab in its indentation.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            let indentation = mark.line >= 1 && mark.line <= lines.count ? lines[mark.line - 1].prefix { $0 == " " || $0 == "\t" } : ""
            let hint = indentation.contains("\t") ? "; indent with spaces: YAML does not allow tabs in indentation" : ""
            return IntakeError(.configuration, "invalid YAML: \(problem)\(ctx)\(hint)", at: "\(file):\(mark.line):\(mark.column)")
        case .reader(let problem, let offset, _, _):
            return IntakeError(.configuration, "invalid YAML: \(problem)" + (offset.map { " at byte \($0)" } ?? ""), at: file)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return IntakeError(.configuration, "duplicate key \(duplicates.map { "'\($0)'" }.joined(separator: ", "))",
                               at: "\(file):\(context.mark.line):\(context.mark.column)")
        default:
            return IntakeError(.configuration, "invalid YAML: \(error)", at: file)
        }
    }
}
