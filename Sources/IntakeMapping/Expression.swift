import IntakeCore

/// A compiled `{{ expr }}`: a source (a path or a literal) followed by filters.
struct Expression: Sendable {
    /// Where the value comes from, unless `literal` is set (then an empty path, never walked).
    /// Stored apart from the literal, not as an enum's payload, so that evaluating reads it in place
    /// instead of copying its arrays.
    var path: Path
    /// The literal value, for `{{ 'text' }}` and `{{ 42 }}`.
    var literal: JSONValue?
    var filters: [Filter]
    /// The text as written, for error messages.
    var text: String
}

/// A path into the record or a variable: `a.b`, `a[0]`, `a[*]`, `a["dotted.key"]`, `$item.value`.
struct Path: Sendable {
    enum Root: Sendable { case raw, item, index, asset, now }
    enum Segment: Sendable {
        case key(String)
        case index(Int)
        case wildcard
    }
    var root: Root { didSet { if root != .raw { rootSlot = -1 } } }
    var segments: [Segment] { didSet { steps = Path.steps(segments); rootSlot = -1 } }
    /// For a path below `$raw` whose first step is a name the mapping's ``MemberIndex`` holds, that
    /// name's slot: the walk then starts from the member the index found, without scanning for it.
    /// -1 otherwise (changing `root` or `segments` sets it back to -1, and `nestedSlot` with it).
    var rootSlot: Int32 = -1 { didSet { if rootSlot < 0 { nestedSlot = -1 } } }
    /// For an indexed path whose second step is a name too (`src.ip`), that name's slot among the
    /// names indexed in the first step's object (see ``Mapping/nested``): group × ``NestedMemberIndex/stride``
    /// + the name's slot in the group's index. -1 otherwise.
    var nestedSlot: Int32 = -1
    /// The segments as prepared lookups, when they are all keys and indexes (no wildcard).
    private(set) var steps: [Step]?

    /// One key or index of a path without wildcards, prepared at compile time.
    typealias Step = JSONValueLayout.PathStep

    init(root: Root, segments: [Segment]) {
        self.root = root
        self.segments = segments
        steps = Path.steps(segments)
    }

    static func steps(_ segments: [Segment]) -> [Step]? {
        var out: [Step] = []
        for s in segments {
            switch s {
            case .key(let k): out.append(.key(JSONObject.LookupKey(k)))
            case .index(let i): out.append(.index(i))
            case .wildcard: return nil
            }
        }
        return out
    }
}

/// One argument of a filter as written: a literal, or (for `default`) a path read at run time.
enum FilterArgument {
    case literal(JSONValue, offset: Int)
    case path(Path, offset: Int)

    var offset: Int {
        switch self {
        case .literal(_, let o), .path(_, let o): return o
        }
    }
}

/// An error found while compiling an expression, with the column offset inside the expression text.
struct ExpressionError: Error {
    var message: String
    var offset: Int
}

/// Turns expression text into an ``Expression``.
struct ExpressionParser {
    enum Token: Equatable {
        case identifier(String)
        case variable(String)
        case string(String)
        case number(Double, isInteger: Bool)
        case dot, lbracket, rbracket, star, pipe, colon, comma
        case end
    }

    let chars: [Character]
    var pos = 0
    var tokens: [(Token, Int)] = []
    var t = 0

    init(_ text: String) { chars = Array(text) }

    static func parse(_ text: String) throws(ExpressionError) -> Expression {
        var p = ExpressionParser(text)
        try p.lex()
        return try p.parseExpression(text)
    }

    mutating func lex() throws(ExpressionError) {
        while pos < chars.count {
            let c = chars[pos]
            let start = pos
            if c.isWhitespace { pos += 1; continue }
            switch c {
            case ".": tokens.append((.dot, start)); pos += 1
            case "[": tokens.append((.lbracket, start)); pos += 1
            case "]": tokens.append((.rbracket, start)); pos += 1
            case "*": tokens.append((.star, start)); pos += 1
            case "|": tokens.append((.pipe, start)); pos += 1
            case ":": tokens.append((.colon, start)); pos += 1
            case ",": tokens.append((.comma, start)); pos += 1
            case "'", "\"":
                pos += 1
                var s = ""
                var closed = false
                while pos < chars.count {
                    let d = chars[pos]
                    if d == "\\" && pos + 1 < chars.count {
                        let e = chars[pos + 1]
                        switch e {
                        case "n": s.append("\n")
                        case "t": s.append("\t")
                        case "\\", "'", "\"": s.append(e)
                        // Any other escape is kept as written, so regex classes such as \d and \S survive.
                        default: s.append(d); s.append(e)
                        }
                        pos += 2
                        continue
                    }
                    if d == c { closed = true; pos += 1; break }
                    s.append(d)
                    pos += 1
                }
                if !closed { throw ExpressionError(message: "unclosed string literal", offset: start) }
                tokens.append((.string(s), start))
            case "$":
                pos += 1
                var name = ""
                while pos < chars.count, chars[pos].isLetter || chars[pos].isNumber || chars[pos] == "_" { name.append(chars[pos]); pos += 1 }
                if name.isEmpty { throw ExpressionError(message: "'$' must be followed by a variable name", offset: start) }
                tokens.append((.variable(name), start))
            default:
                if c.isNumber || (c == "-" && pos + 1 < chars.count && chars[pos + 1].isNumber) {
                    var s = String(c)
                    pos += 1
                    while pos < chars.count, chars[pos].isNumber || chars[pos] == "." { s.append(chars[pos]); pos += 1 }
                    // A number immediately followed by letters is a key such as `1st` or `3d`.
                    if pos < chars.count, chars[pos].isLetter || chars[pos] == "_" {
                        while pos < chars.count, isIdentChar(chars[pos]) { s.append(chars[pos]); pos += 1 }
                        tokens.append((.identifier(s), start))
                    } else if let d = Double(s) {
                        tokens.append((.number(d, isInteger: !s.contains(".")), start))
                    } else {
                        throw ExpressionError(message: "invalid number '\(s)'", offset: start)
                    }
                } else if isIdentChar(c) {
                    var s = ""
                    while pos < chars.count, isIdentChar(chars[pos]) { s.append(chars[pos]); pos += 1 }
                    tokens.append((.identifier(s), start))
                } else if c == "(", tokens.count >= 2, case .identifier(let name) = tokens[tokens.count - 1].0,
                          case .pipe = tokens[tokens.count - 2].0 {
                    // `| time('%Y')`, as in Python or Jinja calls: say how Intake writes it.
                    throw ExpressionError(message: "unexpected character '('; a filter's arguments follow a colon, as in '| \(name): …'",
                                          offset: start)
                } else {
                    throw ExpressionError(message: "unexpected character '\(c)'", offset: start)
                }
            }
        }
        tokens.append((.end, chars.count))
    }

    func isIdentChar(_ c: Character) -> Bool { c.isLetter || c.isNumber || c == "_" || c == "-" || c == "@" }

    var current: Token { tokens[t].0 }
    var offset: Int { tokens[t].1 }

    mutating func parseExpression(_ text: String) throws(ExpressionError) -> Expression {
        guard current != .end else { throw ExpressionError(message: "empty expression", offset: 0) }
        var path = Path(root: .raw, segments: [])
        var literal: JSONValue?
        switch current {
        case .string(let s): literal = .string(s); t += 1
        case .number(let d, let isInt): literal = isInt && abs(d) < 9e18 ? .int(Int64(d)) : .double(d); t += 1
        default: path = try parsePath()
        }
        var filters: [Filter] = []
        while current == .pipe {
            t += 1
            guard case .identifier(let name) = current else {
                throw ExpressionError(message: "expected a filter name after '|'", offset: offset)
            }
            let nameOffset = offset
            t += 1
            var args: [FilterArgument] = []
            if current == .colon {
                t += 1
                while true {
                    let argOffset = offset
                    switch current {
                    case .string(let s): args.append(.literal(.string(s), offset: argOffset)); t += 1
                    case .number(let d, let isInt):
                        args.append(.literal(isInt && abs(d) < 9e18 ? .int(Int64(d)) : .double(d), offset: argOffset))
                        t += 1
                    case .identifier(let w) where w == "true" || w == "false": args.append(.literal(.bool(w == "true"), offset: argOffset)); t += 1
                    case .identifier(let w) where w == "null": args.append(.literal(.null, offset: argOffset)); t += 1
                    case .identifier, .variable, .lbracket: args.append(.path(try parsePath(), offset: argOffset))
                    default:
                        throw ExpressionError(message: "filter '\(name)' arguments must be quoted strings, numbers or paths, found \(describe(current))",
                                              offset: offset)
                    }
                    if current == .comma { t += 1; continue }
                    break
                }
            }
            filters.append(try Filter.make(name: name, arguments: args, offset: nameOffset))
        }
        guard current == .end else {
            throw ExpressionError(message: "unexpected \(describe(current)); expected '|' or the end of the expression", offset: offset)
        }
        return Expression(path: path, literal: literal, filters: filters, text: text)
    }

    func describe(_ token: Token) -> String {
        switch token {
        case .identifier(let s): return "'\(s)'"
        case .variable(let s): return "'$\(s)'"
        case .string(let s): return "string '\(s)'"
        case .number(let d, _): return "number \(d)"
        case .dot: return "'.'"
        case .lbracket: return "'['"
        case .rbracket: return "']'"
        case .star: return "'*'"
        case .pipe: return "'|'"
        case .colon: return "':'"
        case .comma: return "','"
        case .end: return "end of expression"
        }
    }

    mutating func parsePath() throws(ExpressionError) -> Path {
        var path = Path(root: .raw, segments: [])
        switch current {
        case .variable(let v):
            switch v {
            case "raw": path.root = .raw
            case "item": path.root = .item
            case "index": path.root = .index
            case "asset": path.root = .asset
            case "now": path.root = .now
            default:
                throw ExpressionError(message: "unknown variable '$\(v)'; known: $raw, $item, $index, $asset, $now", offset: offset)
            }
            t += 1
        case .identifier(let name):
            path.segments.append(.key(name))
            t += 1
        case .lbracket:
            break
        default:
            throw ExpressionError(message: "expected a path, a variable or a quoted string, found \(describe(current))", offset: offset)
        }
        while true {
            if current == .dot {
                t += 1
                switch current {
                case .identifier(let name): path.segments.append(.key(name))
                case .number(let d, true) where abs(d) < 1e15: path.segments.append(.key(String(Int64(d))))
                case .star: path.segments.append(.wildcard)
                default: throw ExpressionError(message: "expected a key after '.', found \(describe(current))", offset: offset)
                }
                t += 1
            } else if current == .lbracket {
                t += 1
                switch current {
                case .number(let d, true) where abs(d) < 1e15: path.segments.append(.index(Int(d)))
                case .string(let s): path.segments.append(.key(s))
                case .star: path.segments.append(.wildcard)
                default: throw ExpressionError(message: "expected an index, a quoted key or '*' in '[ ]', found \(describe(current))", offset: offset)
                }
                t += 1
                guard current == .rbracket else { throw ExpressionError(message: "expected ']'", offset: offset) }
                t += 1
            } else {
                return path
            }
        }
    }
}
