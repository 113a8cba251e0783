package telemetry

import (
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Property is a name and a value attached to a log event or a metric.
type Property struct {
	Name, Value string
}

// PropertySet is an interned, immutable set of properties. Events refer to
// it by id, and its text travels once per block, so a set should be
// created once and reused: its strings stay in memory for the life of the
// process, as in the original. The caller controls cardinality; at most
// MaxPropertySets distinct sets are made.
type PropertySet struct {
	id     uint64
	props  []Property // sorted by name, descending (as the original)
	strIDs []uint64   // name and value string ids, two per property
}

// MaxPropertySets bounds the distinct property sets of a process, so that
// high-cardinality values cannot grow memory without bound. Past it,
// NewPropertySet returns OverflowPropertySet.
const MaxPropertySets = 1 << 16

var propertySets = struct {
	mu    sync.RWMutex
	byKey map[string]*PropertySet
}{byKey: map[string]*PropertySet{}}

// OverflowPropertySet is returned by NewPropertySet once MaxPropertySets
// sets exist: {"properties_overflow": "true"}.
var OverflowPropertySet = newPropertySet([]Property{{"properties_overflow", "true"}})

// NewPropertySet returns the interned set of props (order does not
// matter). It takes a lock and builds a key: call it once per distinct set,
// not per event.
func NewPropertySet(props ...Property) *PropertySet {
	sorted := slices.Clone(props)
	slices.SortStableFunc(sorted, func(a, b Property) int { return strings.Compare(b.Name, a.Name) })
	key := propertyKey(sorted)
	propertySets.mu.RLock()
	ps, ok := propertySets.byKey[key]
	propertySets.mu.RUnlock()
	if ok {
		return ps
	}
	propertySets.mu.Lock()
	defer propertySets.mu.Unlock()
	if ps, ok := propertySets.byKey[key]; ok {
		return ps
	}
	if len(propertySets.byKey) >= MaxPropertySets {
		return OverflowPropertySet
	}
	ps = newPropertySet(sorted)
	propertySets.byKey[key] = ps
	return ps
}

func newPropertySet(sorted []Property) *PropertySet {
	ps := &PropertySet{props: sorted, strIDs: make([]uint64, 0, 2*len(sorted))}
	for _, p := range sorted {
		ps.strIDs = append(ps.strIDs, reg.internString(p.Name), reg.internString(p.Value))
	}
	ps.id = reg.add(ps)
	return ps
}

// propertyKey is an unambiguous encoding of sorted properties.
func propertyKey(sorted []Property) string {
	var b strings.Builder
	for _, p := range sorted {
		b.WriteString(strconv.Itoa(len(p.Name)))
		b.WriteByte(':')
		b.WriteString(p.Name)
		b.WriteString(strconv.Itoa(len(p.Value)))
		b.WriteByte(':')
		b.WriteString(p.Value)
	}
	return b.String()
}

// Properties returns a copy of the set's properties, sorted by name in
// descending order.
func (ps *PropertySet) Properties() []Property { return slices.Clone(ps.props) }

// Len returns the number of properties.
func (ps *PropertySet) Len() int { return len(ps.props) }
