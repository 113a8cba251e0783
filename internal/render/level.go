package render

import (
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// LevelNames are the names of the Micromegas log levels, by number, as the
// level_name SQL function returns them: 1 FATAL, 2 ERROR, 3 WARN, 4 INFO,
// 5 DEBUG, 6 TRACE.
var LevelNames = []string{1: "FATAL", 2: "ERROR", 3: "WARN", 4: "INFO", 5: "DEBUG", 6: "TRACE"}

// isLevelColumn reports whether the table format shows the values of f as
// level names: an integer column named "level" (in any case), as in
// log_entries and log_stats. CSV and JSON keep the numbers.
func isLevelColumn(f arrow.Field) bool {
	return strings.EqualFold(f.Name, "level") && arrow.IsInteger(f.Type.ID())
}

// levelText returns the name of the level written s (a decimal integer),
// or s itself when it is not a level number.
func levelText(s string) string {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n >= len(LevelNames) {
		return s
	}
	return LevelNames[n]
}
