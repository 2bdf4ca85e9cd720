import SRIOVCLI
#if canImport(Glibc)
import Glibc
#endif

// The commands live in SRIOVCLI (tests run them in-process); this is only the process's edge.
exit(CLI.run(CommandLine.arguments))
