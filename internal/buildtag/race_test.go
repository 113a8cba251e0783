//go:build race

package buildtag

// raceFlags builds with the race detector when the tests run with it, so
// that the build reuses the packages `go test -race` compiled.
var raceFlags = []string{"-race"}
