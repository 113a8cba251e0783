package telemetry

// Metric is the static description of a measure: a name and a unit. Its
// target is the package that declares it. Declare metrics once, as
// package-level variables; a recorded value then costs a timestamp, the
// metric's id and the value.
//
//	var metricQueueDepth = telemetry.NewMetric("queue_depth", "count")
//	var metricLatency = telemetry.NewMetric("latency", "ms")
//
//	metricQueueDepth.RecordInt(uint64(len(queue)))
//	metricLatency.RecordFloat(elapsed.Seconds() * 1000)
//
// An integer metric whose unit is "ticks" is converted to seconds by the
// analytics, using the process's tick frequency: record durations measured with Now.
type Metric struct {
	id     uint64
	name   string
	unit   string
	target string
	file   string
	line   uint32

	nameID, unitID, targetID, fileID uint64
}

// NewMetric registers a metric. The caller's package becomes its target.
func NewMetric(name, unit string) *Metric {
	module, file, line := caller(1)
	return NewMetricTarget(module, name, unit, file, line)
}

// NewMetricTarget registers a metric with an explicit target, file and
// line (for bridges from other metric libraries).
func NewMetricTarget(target, name, unit, file string, line uint32) *Metric {
	m := &Metric{name: name, unit: unit, target: target, file: file, line: line}
	m.nameID = reg.internString(name)
	m.unitID = reg.internString(unit)
	m.targetID = reg.internString(target)
	m.fileID = reg.internString(file)
	m.id = reg.add(m)
	return m
}

// Name returns the metric's name.
func (m *Metric) Name() string { return m.name }

// Unit returns the metric's unit.
func (m *Metric) Unit() string { return m.unit }

// RecordInt records an integer value (an IntegerMetricEvent).
func (m *Metric) RecordInt(v uint64) {
	if sys := active.Load(); sys != nil {
		m.write(sys, integerMetricEvent, nil, v)
	}
}

// RecordFloat records a floating-point value (a FloatMetricEvent).
func (m *Metric) RecordFloat(v float64) {
	if sys := active.Load(); sys != nil {
		m.write(sys, floatMetricEvent, nil, f64bits(v))
	}
}

// RecordIntWith records an integer value with properties (a
// TaggedIntegerMetricEvent). Properties named "target", "name" or "unit"
// override the metric's in the analytics.
func (m *Metric) RecordIntWith(props *PropertySet, v uint64) {
	if sys := active.Load(); sys != nil {
		m.write(sys, taggedIntegerMetricEvent, props, v)
	}
}

// RecordFloatWith records a floating-point value with properties (a
// TaggedFloatMetricEvent).
func (m *Metric) RecordFloatWith(props *PropertySet, v float64) {
	if sys := active.Load(); sys != nil {
		m.write(sys, taggedFloatMetricEvent, props, f64bits(v))
	}
}

func (m *Metric) write(sys *system, typ byte, props *PropertySet, bits uint64) {
	t := now()
	sh, pid := sys.acquireShard()
	w := &sh.writers[kindMetrics]
	if props == nil {
		b := w.reserve(metricSize)
		b[0] = typ
		putU64(b[1:], m.id)
		putU64(b[9:], bits)
		putI64(b[17:], t)
		w.commit(metricSize)
	} else {
		b := w.reserve(taggedMetricSize)
		b[0] = typ
		putU64(b[1:], m.id)
		putU64(b[9:], props.id)
		putU64(b[17:], bits)
		putI64(b[25:], t)
		w.commit(taggedMetricSize)
	}
	sys.releaseShard(pid)
}
