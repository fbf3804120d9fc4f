/// md5, sha1, sha256, sha512 and "hash" (any of those).
public enum HashValidation {
    public static func isHex(_ s: String, length: Int) -> Bool {
        s.utf8.count == length && s.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 70) || ($0 >= 97 && $0 <= 102) }
    }

    public static func isHash(_ s: String) -> Bool { [32, 40, 64, 128].contains { isHex(s, length: $0) } }
}
