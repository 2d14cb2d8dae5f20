import Foundation
import OGFCore
import OGFHTTP
import OGFRecords

/// OpenTelemetry: the run as one SERVER span and one INTERNAL child span per resource, exported
/// as OTLP/HTTP protobuf (`POST <endpoint>/v1/traces`) following the CI/CD semantic conventions
/// (`cicd.pipeline.*`, `cicd.pipeline.task.*`) plus `deployment.environment.name` and
/// `service.version`. The span ids are the ones exec steps got as `TRACEPARENT`.
public struct OTLPSink: NotifySink {
    public let name = "otlp"
    let config: NotifyConfig.OTLP

    public init(config: NotifyConfig.OTLP) { self.config = config }

    public var url: String {
        let e = config.endpoint.hasSuffix("/") ? String(config.endpoint.dropLast()) : config.endpoint
        return e.hasSuffix("/v1/traces") ? e : e + "/v1/traces"
    }

    public func finished(_ run: RunStart, _ end: RunEnd, _ send: Sender) async throws {
        var headers = [("Content-Type", "application/x-protobuf")]
        for k in config.headers.keys.sorted() { headers.append((k, config.headers[k]!.value)) }
        _ = try await send.send("POST /v1/traces", HTTPRequest(method: "POST", url: url, headers: headers,
                                                              body: Data(Self.exportRequest(run.trace, end.record, serviceName: config.serviceName))))
    }

    /// Attribute values a span carries.
    enum Attr {
        case s(String), i(Int), b(Bool)
    }

    /// `opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest`, encoded.
    public static func exportRequest(_ ids: TraceIDs, _ r: DeployRecord, serviceName: String) -> [UInt8] {
        let pipeline = "deploy-\(r.environment)"
        let runResult = r.succeeded ? "success" : r.outcome == "interrupted" ? "cancellation" : "failure"
        let startNs = nanos(r.startedAt)
        let endNs = nanos(r.finishedAt)
        var w = ProtobufWriter()
        w.message(1) { rs in  // ResourceSpans
            rs.message(1) { res in  // Resource
                var attrs: [(String, Attr)] = [("service.name", .s(serviceName)), ("deployment.environment.name", .s(r.environment))]
                if let v = r.release { attrs.append(("service.version", .s(v))) }
                attrs.append(("cicd.pipeline.name", .s(pipeline)))
                attributes(&res, 1, attrs)
            }
            rs.message(2) { ss in  // ScopeSpans
                ss.message(1) { scope in
                    scope.string(1, "ogf")
                    scope.string(2, r.ogfVersion)
                }
                // The run.
                ss.message(2) { span in
                    var attrs: [(String, Attr)] = [
                        ("cicd.pipeline.name", .s(pipeline)), ("cicd.pipeline.action.name", .s("RUN")), ("cicd.pipeline.result", .s(runResult)),
                        ("cicd.pipeline.run.id", .s("\(r.environment)/\(r.run)")), ("deployment.environment.name", .s(r.environment)),
                        ("deployment.id", .s("\(r.environment)/\(r.run)")), ("deployment.status", .s(r.succeeded ? "succeeded" : "failed")),
                        ("ogf.operation", .s(r.operation)), ("ogf.plan_hash", .s(r.planHash)),
                    ]
                    if let v = r.release { attrs.append(("service.version", .s(v))) }
                    if !r.succeeded { attrs.append(("error.type", .s(r.outcome))) }
                    spanBody(&span, trace: ids.traceID, id: ids.rootSpanID, parent: nil, name: "RUN \(pipeline)", kind: 2, start: startNs, end: endNs,
                             attrs: attrs, error: r.succeeded ? nil : "\(r.operation) \(r.outcome)")
                }
                for x in r.resources {
                    guard let s = x.start else { continue }  // never started: no span
                    let st = startNs + UInt64(max(0, s) * 1e9)
                    let en = st + UInt64(max(0, x.duration ?? 0) * 1e9)
                    let result: String = switch x.outcome {
                    case .succeeded: "success"
                    case .failed: "failure"
                    case .stopped: "cancellation"
                    case .skipped, .notStarted: "skip"
                    }
                    ss.message(2) { span in
                        spanBody(&span, trace: ids.traceID, id: ids.spanID(x.address), parent: ids.rootSpanID, name: x.address, kind: 1, start: st, end: en,
                                 attrs: [("cicd.pipeline.task.name", .s(x.address)), ("cicd.pipeline.task.run.id", .s("\(r.environment)/\(r.run)/\(x.address)")),
                                         ("cicd.pipeline.task.run.result", .s(result)), ("cicd.pipeline.task.type", .s(x.isCheck ? "test" : "deploy")),
                                         ("ogf.action", .s(x.action)), ("ogf.critical_path", .b(x.critical))],
                                 error: x.outcome == .failed ? (x.message.map { String($0.prefix(500)) } ?? "failed") : nil)
                    }
                }
            }
        }
        return w.bytes
    }

    static func nanos(_ d: Date) -> UInt64 { UInt64(max(0, d.timeIntervalSince1970) * 1e9) }

    static func spanBody(_ s: inout ProtobufWriter, trace: String, id: String, parent: String?, name: String, kind: UInt64, start: UInt64, end: UInt64,
                         attrs: [(String, Attr)], error: String?) {
        s.data(1, Hex.decode(trace) ?? [])
        s.data(2, Hex.decode(id) ?? [])
        if let parent { s.data(4, Hex.decode(parent) ?? []) }
        s.string(5, name)
        s.uint(6, kind)
        s.fixed64(7, start)
        s.fixed64(8, max(end, start))
        attributes(&s, 9, attrs)
        s.message(15) { st in  // Status: code 1 ok, 2 error
            if let error { st.string(2, error) }
            st.uint(3, error == nil ? 1 : 2)
        }
    }

    static func attributes(_ w: inout ProtobufWriter, _ field: Int, _ attrs: [(String, Attr)]) {
        for (k, v) in attrs {
            w.message(field) { kv in
                kv.string(1, k)
                kv.message(2) { any in
                    switch v {
                    case .s(let s): any.stringPresent(1, s)
                    case .b(let b):
                        // bool_value = 2; proto3 oneof: false must still be written.
                        any.tag(2, 0)
                        any.varint(b ? 1 : 0)
                    case .i(let i):
                        any.tag(3, 0)
                        any.varint(UInt64(bitPattern: Int64(i)))
                    }
                }
            }
        }
    }
}
