package app

import (
	"fmt"
	"strings"
)

// Roles is a set of the roles a node runs. Roles share nothing but the
// catalog and the object store, so each may run on its own nodes, as many
// of them as the load needs (the maintenance daemon included: two daemons
// converge on the same partitions).
type Roles uint8

// The roles of a node.
const (
	// Ingestion accepts telemetry over HTTP (/ingestion/*). It opens no
	// SQL engine and keeps no local cache.
	Ingestion Roles = 1 << iota
	// Analytics answers SQL over FlightSQL and the HTTP query API.
	Analytics
	// Maintenance runs the daemon: materialization, compaction, retention.
	Maintenance

	// AllRoles is every role in one process, the default of serve.
	AllRoles = Ingestion | Analytics | Maintenance
)

var roleNames = []struct {
	role Roles
	name string
}{{Ingestion, "ingestion"}, {Analytics, "analytics"}, {Maintenance, "maintenance"}}

// ParseRoles reads a comma-separated list of role names
// ("ingestion,analytics"); "all" is every role.
func ParseRoles(s string) (Roles, error) {
	var r Roles
	for _, part := range strings.Split(s, ",") {
		part = strings.ToLower(strings.TrimSpace(part))
		if part == "all" {
			r |= AllRoles
			continue
		}
		found := false
		for _, rn := range roleNames {
			if rn.name == part {
				r |= rn.role
				found = true
			}
		}
		if !found {
			return 0, fmt.Errorf("unknown role %q: want a comma-separated list of ingestion, analytics and maintenance (or all)", part)
		}
	}
	return r, nil
}

// Has reports whether every role of o is in r.
func (r Roles) Has(o Roles) bool { return r&o == o }

// Names lists the roles of r in a fixed order.
func (r Roles) Names() []string {
	var out []string
	for _, rn := range roleNames {
		if r.Has(rn.role) {
			out = append(out, rn.name)
		}
	}
	return out
}

// String is the comma-separated list of the roles, as ParseRoles reads it.
func (r Roles) String() string { return strings.Join(r.Names(), ",") }
