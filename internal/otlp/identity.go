package otlp

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

// processNamespace is the namespace of the UUID v5 of OTLP processes.
// Changing it changes every process id: never do.
var processNamespace = uuid.MustParse("2c4f7a44-5e0b-4f6c-9a43-0b1d7c9e8a51")

// IdentifyingAttributes are the resource attributes whose values make a
// process id, in this order. A resource with none of them is identified
// by all of its attributes (an empty resource is one process of its own).
var IdentifyingAttributes = []string{
	"service.namespace", "service.name", "service.instance.id", "service.version",
	"host.id", "host.name", "process.pid", "process.executable.path",
	"container.id", "k8s.pod.uid",
}

// ProcessID returns the id of the process a resource describes: the
// UUID v5, in processNamespace, of the lines "key=value\n" of its
// identifying attributes (values as pcommon.Value.AsString). Two
// resources with the same identifying attributes are the same process
// whatever their other attributes.
func ProcessID(res pcommon.Resource) string {
	attrs := res.Attributes()
	var b strings.Builder
	for _, k := range IdentifyingAttributes {
		if v, ok := attrs.Get(k); ok {
			b.WriteString(k)
			b.WriteByte('=')
			b.WriteString(v.AsString())
			b.WriteByte('\n')
		}
	}
	if b.Len() == 0 {
		type kv struct{ k, v string }
		all := make([]kv, 0, attrs.Len())
		for k, v := range attrs.All() {
			all = append(all, kv{k, v.AsString()})
		}
		slices.SortFunc(all, func(a, b kv) int { return cmp.Compare(a.k, b.k) })
		b.WriteString("all\n")
		for _, a := range all {
			b.WriteString(a.k)
			b.WriteByte('=')
			b.WriteString(a.v)
			b.WriteByte('\n')
		}
	}
	return uuid.NewSHA1(processNamespace, []byte(b.String())).String()
}

// StreamID returns the id of the stream of one signal of a process: the
// UUID v5, in the process's id, of the signal's format.
func StreamID(processID string, s Signal) string {
	return uuid.NewSHA1(uuid.MustParse(processID), []byte(s.Format())).String()
}

// newProcess is the catalog row of the process of res, first seen with
// records starting at start: exe is service.name (else
// process.executable.name), computer host.name, username process.owner,
// distro os.description (else os.type), and the properties are every
// resource attribute. Its ticks are nanoseconds (frequency 1e9) since the
// Unix epoch.
func newProcess(id string, res pcommon.Resource, start time.Time) catalog.Process {
	attrs := res.Attributes()
	get := func(keys ...string) string {
		for _, k := range keys {
			if v, ok := attrs.Get(k); ok {
				return v.AsString()
			}
		}
		return ""
	}
	props := make(map[string]string, attrs.Len())
	for k, v := range attrs.All() {
		props[k] = v.AsString()
	}
	return catalog.Process{
		ProcessID:    id,
		Exe:          get("service.name", "process.executable.name"),
		Username:     get("process.owner"),
		Computer:     get("host.name"),
		Distro:       get("os.description", "os.type"),
		CPUBrand:     get("host.cpu.model.name"),
		TSCFrequency: int64(time.Second),
		StartTime:    start,
		StartTicks:   start.UnixNano(),
		Properties:   props,
	}
}

// newStream is the catalog row of the stream of signal s of a process.
func newStream(processID string, s Signal) catalog.Stream {
	return catalog.Stream{
		StreamID:  StreamID(processID, s),
		ProcessID: processID,
		Tags:      []string{s.Tag()},
		Format:    s.Format(),
	}
}
