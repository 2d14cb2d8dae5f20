import ArgumentParser
import OGFCommands

// The entry point only: everything else lives in OGFCommands, where tests can reach it.
@main
extension OGFCommand {}
