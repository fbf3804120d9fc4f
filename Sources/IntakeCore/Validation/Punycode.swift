/// RFC 3492 Punycode decoding, to check `xn--` labels of internationalised domain names.
public enum Punycode {
    /// The Unicode text of an encoded label (without `xn--`), or nil when it is not valid Punycode.
    public static func decode(_ input: String) -> String? {
        let base = 36, tMin = 1, tMax = 26, skew = 38, damp = 700
        var n = 128, i = 0, bias = 72
        var output: [Unicode.Scalar] = []
        var rest = Substring(input)
        if let d = input.lastIndex(of: "-") {
            let basic = input[..<d]
            guard basic.allSatisfy(\.isASCII) else { return nil }
            output = basic.unicodeScalars.map { $0 }
            rest = input[input.index(after: d)...]
        }
        guard !rest.isEmpty else { return nil }
        var scalars = rest.unicodeScalars.makeIterator()
        var pending = scalars.next()
        func digit(_ c: Unicode.Scalar) -> Int? {
            switch c.value {
            case 48...57: return Int(c.value) - 22
            case 65...90: return Int(c.value) - 65
            case 97...122: return Int(c.value) - 97
            default: return nil
            }
        }
        func adapt(_ delta: Int, _ count: Int, _ first: Bool) -> Int {
            var delta = first ? delta / damp : delta / 2
            delta += delta / count
            var k = 0
            while delta > ((base - tMin) * tMax) / 2 {
                delta /= base - tMin
                k += base
            }
            return k + (base - tMin + 1) * delta / (delta + skew)
        }
        while pending != nil {
            let oldI = i
            var w = 1
            var k = base
            while true {
                guard let c = pending, let d = digit(c) else { return nil }
                pending = scalars.next()
                let (m, o1) = d.multipliedReportingOverflow(by: w)
                let (sum, o2) = i.addingReportingOverflow(m)
                guard !o1, !o2, sum < 0x10FFFF * 64 else { return nil }
                i = sum
                let t = k <= bias ? tMin : (k >= bias + tMax ? tMax : k - bias)
                if d < t { break }
                w *= base - t
                guard w < 0x10FFFF * 64 else { return nil }
                k += base
            }
            bias = adapt(i - oldI, output.count + 1, oldI == 0)
            n += i / (output.count + 1)
            i %= output.count + 1
            guard n <= 0x10FFFF, let scalar = Unicode.Scalar(UInt32(n)), n >= 128 else { return nil }
            output.insert(scalar, at: i)
            i += 1
        }
        var s = ""
        s.unicodeScalars.append(contentsOf: output)
        return s
    }
}
