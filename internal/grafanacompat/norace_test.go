//go:build !race

package grafanacompat

// raceFlags is empty without the race detector (see race_test.go).
var raceFlags []string
