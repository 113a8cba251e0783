package telemetry

import "testing"

// BenchmarkFormat compares the formatter of Logf with fmt.Appendf (the
// fallback) on the message alone, in the same run.
//
//	go test -run '^$' -bench Format -benchmem ./telemetry/
func BenchmarkFormat(b *testing.B) {
	for _, c := range []struct {
		name string
		site *LogSite
	}{
		{"plan", &LogSite{format: "value=%d"}},
		{"fmt", &LogSite{format: "value=%d", planOK: false}},
	} {
		if c.name == "plan" {
			c.site.plan, c.site.planOK = parseFormat(c.site.format)
		}
		b.Run(c.name, func(b *testing.B) {
			var stack [fmtStackSize]byte
			i := 0
			for b.Loop() {
				i++
				_ = c.site.appendMessage(stack[:0], hideArgs([]any{i}))
			}
		})
	}
}
