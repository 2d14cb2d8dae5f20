import Foundation
import OGFCore
import OGFHTTP
@testable import OGFImages
import Testing

/// Typed configuration: a field the image kinds cannot use is a diagnostic at that field, at
/// plan time, before anything is built or pushed.
@Suite(.tags(.small))
struct ImageConfigTests {
    let digest = "sha256:" + String(repeating: "a", count: 64)

    func planDiagnostic(_ kind: any ResourceKind, _ config: [String: Value]) async throws -> Diagnostic? {
        let s = try Sandbox()
        do {
            _ = try await Driver(kind, s, config).plan()
            return nil
        } catch let d as Diagnostic {
            return d
        }
    }

    var image: ImageKind { ImageKind(http: CurlHTTPClient()) }

    @Test func zstdWithTheDockerFormatOrAnUnknownCompression() async throws {
        let d = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/x/api", "compression": "zstd", "format": "docker"])
        #expect(d?.field == "compression")
        #expect(d?.summary.contains("need format: oci") == true, "\(d?.summary ?? "")")
        let u = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/x/api", "compression": "brotli"])
        #expect(u?.field == "compression")
    }

    @Test func compressionLevelOutOfRange() async throws {
        let d = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/x/api", "compression_level": 12])
        #expect(d?.field == "compression_level")
        #expect(d?.code == .invalidField)
        #expect(d?.summary == "must be 1 to 9, got 12")
    }

    @Test func platformThatIsNotOsArch() async throws {
        let d = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/x/api", "platforms": ["linux/amd64", "arm64"]])
        #expect(d?.field == "platforms[1]")
        #expect(d?.code == .invalidField)
        #expect(d?.summary.contains("\"arm64\" is not os/arch[/variant]") == true, "\(d?.summary ?? "")")
    }

    @Test func repositoryAndBaseMustBeReferences() async throws {
        let r = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/X/Api"])
        #expect(r?.field == "repository")
        #expect(r?.summary.contains("must be lowercase") == true, "\(r?.summary ?? "")")
        let b = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/x/api", "base": "alpine@sha256:nope"])
        #expect(b?.field == "base")
        let w = try await planDiagnostic(image, ["repository": "127.0.0.1:15000/x/api", "compression_level": "high"])
        #expect(w?.field == "compression_level")
        #expect(w?.code == .wrongType)
    }

    @Test func unknownSettingsAreKnownAfterApply() async throws {
        let s = try Sandbox()
        let r = try await Driver(image, s, ["repository": "127.0.0.1:15000/x/api", "tags": [.unknown]]).plan()
        #expect(r.action == .create)
        #expect(r.reasons == ["settings known after apply"])
    }

    @Test func gateFields() async throws {
        let reg = try await planDiagnostic(GateRegistryKind(http: CurlHTTPClient()), ["repositories": ["127.0.0.1:15000/x/api", "127.0.0.1:15000/X"]])
        #expect(reg?.field == "repositories[1]")
        let neg = try await planDiagnostic(GateRegistryKind(http: CurlHTTPClient()), ["repositories": ["127.0.0.1:15000/x/api"], "registry_retries": -1])
        #expect(neg?.field == "registry_retries")
        let vul = GateVulnerabilitiesKind()
        let exp = try await planDiagnostic(vul, ["images": [.unknown], "reports": "scans",
                                                 "allowlist": [["id": "CVE-1", "reason": "r", "expires": "next week"]]])
        #expect(exp?.field == "allowlist[0].expires")
        #expect(exp?.code == .invalidField)
        let img = try await planDiagnostic(vul, ["images": [.string("127.0.0.1:15000/x/api:latest")], "reports": "scans"])
        #expect(img?.field == "images[0]")
        #expect(try await planDiagnostic(vul, ["images": [.string("127.0.0.1:15000/x/api@\(digest)")], "reports": "scans"]) == nil)
    }
}
