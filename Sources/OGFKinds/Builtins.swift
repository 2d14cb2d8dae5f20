import OGFCore
import OGFHTTP
import OGFImages

/// The kinds this build of ogf knows, with their real side effects.
public enum BuiltinKinds {
    public static func registry(http: any HTTPClient = CurlHTTPClient(), processes: any ProcessRunner = SpawnProcessRunner()) -> KindRegistry {
        KindRegistry([
            GateEnvKind(),
            GateSecretKind(),
            CheckTCPKind(),
            CheckHTTPKind(http: http),
            ExecKind(runner: processes),
            ImageKind(http: http),
            GateRegistryKind(http: http),
            GateVulnerabilitiesKind(),
        ])
    }
}
