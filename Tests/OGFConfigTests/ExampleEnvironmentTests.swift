import Foundation
import OGFCatalogue
import OGFConfig
import OGFCore
import Testing

/// The repository's own example environments load without errors, and staging comes before
/// production as the mission orders it.
@Suite struct ExampleEnvironmentTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    func load(_ env: String) -> (EnvironmentConfig?, Diagnostics) {
        ConfigLoader(root: Self.root, registry: KindCatalogue.registry()).load(environment: env)
    }

    @Test func stagingLoadsWithItsSuiteComplianceCheckAndLoadTest() throws {
        let (config, diags) = load("staging")
        #expect(!diags.hasErrors, "\(lines(diags))")
        let c = try #require(config)
        for a in ["exec.full_test_suite", "check_http.compliance_report", "check_load.ingest", "exec.integration_tests"] {
            #expect(c.resources[ResourceAddress(parsing: a)!] != nil, "\(a)")
        }
        #expect(c.isProtected == false)
    }

    @Test func productionIsPromotedFromStaging() throws {
        let (config, diags) = load("production")
        #expect(!diags.hasErrors, "\(lines(diags))")
        let p = try #require(config?.promotion)
        #expect(p.from == "staging")
        #expect(p.same == [.images, .migrations])
        #expect(p.soak == 3600)
        #expect(p.maxAge == 1_209_600.0, "14d")
    }

    @Test func localStaysRunnable() {
        let (config, diags) = load("local")
        #expect(!diags.hasErrors, "\(lines(diags))")
        #expect(config?.promotion == nil)
    }
}
