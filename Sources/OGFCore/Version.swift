/// The ogf version, recorded in state and saved plans; a plan from another version is refused.
public enum OGFVersion {
    public static let current = "0.1.0"
}
