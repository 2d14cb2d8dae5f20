import OGFCore
import OGFKinds

/// The database kinds, with their real side effects. Commands add them to the built-in
/// registry; OGFKinds does not know them, so dependencies keep pointing one way.
public enum DatabaseKinds {
    public static func all(processes: any ProcessRunner = SpawnProcessRunner()) -> [any ResourceKind] {
        [
            PostgresCheckKind(),
            PostgresBackupKind(processes: processes),
            PostgresSchemaKind(processes: processes),
            PostgresQueryKind(),
            RedisCheckKind(),
            RedisCacheHitRateKind(),
        ]
    }

    /// The built-in registry plus the database kinds.
    public static func registry(processes: any ProcessRunner = SpawnProcessRunner()) -> KindRegistry {
        var r = BuiltinKinds.registry(processes: processes)
        for k in all(processes: processes) { r.register(k) }
        return r
    }
}
