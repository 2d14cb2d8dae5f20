import ArgumentParser
import OGFCore

/// `ogf`: the root command.
public struct OGFCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "ogf",
        abstract: "Plan and apply whole-release deploys of OffGridFlow: gates, backups, migrations, images, rollouts, checks.",
        discussion: """
        ogf reads environments/ENV.yaml and the blueprints it includes from plans/,
        builds a dependency graph of resources, compares it with state/ENV.json and
        shows what it would do. Review the plan, then apply exactly that plan:

          ogf validate production            check configuration, no side effects
          ogf plan production -out plan.out  show and save the plan
          ogf show plan.out --markdown       render it for a pull request
          ogf apply plan.out                 apply exactly that plan
          ogf state show production          what was deployed, and the history
          ogf report production --format html  the last run's report (timeline, evidence)
          ogf audit verify production        check the hash-chained audit log
          ogf kinds exec                     the fields of a resource kind
          ogf checklist production -o c.yaml the pre-flight deployment checklist

        Exit codes: 0 success; 1 error; 2 changes present (plan -detailed-exitcode);
        130 interrupted. Docs: docs/configuration.md and docs/kinds.md.
        """,
        version: OGFVersion.current,
        subcommands: [ValidateCommand.self, PlanCommand.self, ApplyCommand.self, ShowCommand.self, StateCommand.self,
                      GraphCommand.self, ForceUnlockCommand.self, KindsCommand.self, DBCommand.self, RollbackCommand.self, WatchCommand.self, ChecklistCommand.self,
                      ReportCommand.self, AuditCommand.self]
    )

    public init() {}
}
