// Package version holds the build's version, commit and date, set by the
// Makefile through -ldflags -X.
package version

// Set at link time; the defaults mark a build made without the Makefile.
var (
	Version = "dev"
	Commit  = "unknown"
	Date    = "unknown"
)

// String returns "VERSION (COMMIT, DATE)".
func String() string { return Version + " (" + Commit + ", " + Date + ")" }
