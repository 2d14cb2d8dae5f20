import Crypto
import Foundation
import Testing
@testable import OGFImages

@Suite struct DigestTests {
    @Test func hexIsTheStandardLowerCaseEncoding() {
        // FIPS 180-2 test vectors.
        #expect(SHA256.hash(data: Data("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash(data: Data()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        // Every byte value, against Foundation's formatting.
        for n in 0..<64 {
            let d = SHA256.hash(data: Data([UInt8(n), UInt8(255 - n)]))
            #expect(d.hex == d.map { String(format: "%02x", $0) }.joined())
        }
    }
}
