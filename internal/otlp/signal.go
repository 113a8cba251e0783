package otlp

import "github.com/micromegas-go/micromegas/internal/catalog"

// Signal is one kind of OpenTelemetry data.
type Signal uint8

// The signals.
const (
	Logs Signal = iota
	Metrics
	Traces
)

var signals = [...]struct {
	name, format, tag, records string
}{
	Logs:    {name: "logs", format: catalog.FormatOTLPLogs, tag: "log", records: "log records"},
	Metrics: {name: "metrics", format: catalog.FormatOTLPMetrics, tag: "metrics", records: "data points"},
	Traces:  {name: "traces", format: catalog.FormatOTLPTraces, tag: "traces", records: "spans"},
}

// String is the signal's name in OTLP paths ("logs", "metrics", "traces").
func (s Signal) String() string { return signals[s].name }

// Format is the format of the signal's streams.
func (s Signal) Format() string { return signals[s].format }

// Tag is the tag of the signal's streams, which selects the views that
// read them.
func (s Signal) Tag() string { return signals[s].tag }

// records names the signal's records in messages.
func (s Signal) records() string { return signals[s].records }
