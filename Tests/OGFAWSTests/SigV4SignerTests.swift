import Foundation
import Testing
@testable import OGFAWS

/// AWS's published SigV4 test suite (aws-sig-v4-test-suite, the AWS General Reference's
/// "Signature Version 4 test suite"): credentials AKIDEXAMPLE, region us-east-1, service
/// `service`, 20150830T123600Z. Each expected value is the suite's `.authz` (and `.creq`/`.sts`
/// where shown) for that case, byte for byte.
@Suite struct SigV4SignerTests {
    static let credentials = AWSCredentials(accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", source: "test suite")
    static let date = Date(timeIntervalSince1970: 1_440_938_160)  // 2015-08-30T12:36:00Z
    let signer = SigV4Signer(credentials: credentials, region: "us-east-1", service: "service")

    @Test func getVanilla() {
        let s = signer.sign(method: "GET", url: "https://example.amazonaws.com/", date: Self.date)
        #expect(s.canonicalRequest == "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(s.stringToSign == "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63")
        #expect(s.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
        #expect(s.headers.map(\.0) == ["X-Amz-Date", "Authorization"])
    }

    @Test func getVanillaQueryOrderKeyCase() {
        let s = signer.sign(method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1", date: Self.date)
        #expect(s.canonicalRequest.split(separator: "\n", omittingEmptySubsequences: false)[2] == "Param1=value1&Param2=value2")
        #expect(s.signature == "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500")
    }

    @Test func postVanilla() {
        let s = signer.sign(method: "POST", url: "https://example.amazonaws.com/", date: Self.date)
        #expect(s.signature == "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b")
    }

    @Test func postXWWWFormURLEncoded() {
        let s = signer.sign(method: "POST", url: "https://example.amazonaws.com/", headers: [("Content-Type", "application/x-www-form-urlencoded")],
                            body: Data("Param1=value1".utf8), date: Self.date)
        #expect(s.authorization == "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a")
        #expect(s.canonicalRequest.hasSuffix("\n9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"))
    }

    @Test func getHeaderValueTrim() {
        let s = signer.sign(method: "GET", url: "https://example.amazonaws.com/", headers: [("My-Header1", " value1 "), ("My-Header2", " \"a   b   c\" ")], date: Self.date)
        #expect(s.canonicalRequest.contains("my-header1:value1\nmy-header2:\"a b c\"\n"))
        #expect(s.authorization.hasSuffix("SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"))
    }

    @Test func temporaryCredentialsSignTheSessionTokenAndSendIt() {
        var c = Self.credentials
        c.sessionToken = "token/with+chars="
        let s = SigV4Signer(credentials: c, region: "us-east-1", service: "service").sign(method: "GET", url: "https://example.amazonaws.com/", date: Self.date)
        #expect(s.authorization.contains("SignedHeaders=host;x-amz-date;x-amz-security-token,"))
        #expect(s.headers.contains { $0.0 == "X-Amz-Security-Token" && $0.1 == "token/with+chars=" })
        #expect(s.signature != "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func aNonDefaultPortIsPartOfTheHostAndEncodingIsRFC3986() {
        let s = signer.sign(method: "GET", url: "http://127.0.0.1:17100/?a=b c&z=%2F", date: Self.date)
        #expect(s.canonicalRequest.contains("\nhost:127.0.0.1:17100\n"))
        #expect(s.canonicalRequest.contains("\na=b%20c&z=%2F\n"))
        let d = signer.sign(method: "GET", url: "https://example.amazonaws.com:443/", date: Self.date)
        #expect(d.signature == "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31")
    }

    @Test func theSecretNeverAppearsInTheSignedHeadersOrDescription() {
        let s = signer.sign(method: "GET", url: "https://example.amazonaws.com/", date: Self.date)
        #expect(!s.headers.map(\.1).joined().contains("wJalrXUtnFEMI"))
        #expect(!"\(Self.credentials)".contains("wJalrXUtnFEMI"))
    }
}
