/// ASCII-only case handling, because that is all PostgreSQL does when it folds unquoted identifiers.
extension String {
    /// PostgreSQL folds only ASCII letters; locale-dependent folding of other letters is not modelled.
    var asciiLowercased: String { mappingASCIILetters(from: 0x41...0x5A, offset: 32) }
    var asciiUppercased: String { mappingASCIILetters(from: 0x61...0x7A, offset: -32) }

    /// Case-insensitive comparison for ASCII letters, without allocating: rules call it for every token they test.
    func equalsIgnoringASCIICase(_ other: String) -> Bool {
        let lhs = utf8
        let rhs = other.utf8
        guard lhs.count == rhs.count else { return false }
        return zip(lhs, rhs).allSatisfy { ($0 | 0x20) == ($1 | 0x20) && (($0 == $1) || $0.isASCIILetterByte) }
    }

    private func mappingASCIILetters(from range: ClosedRange<UInt8>, offset: Int16) -> String {
        guard utf8.contains(where: range.contains) else { return self }
        return String(decoding: utf8.map { range.contains($0) ? UInt8(Int16($0) + offset) : $0 }, as: UTF8.self)
    }
}

extension UInt8 {
    var isASCIILetterByte: Bool { (0x41...0x5A).contains(self) || (0x61...0x7A).contains(self) }
}
