package app

import (
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	cases := []struct {
		in      string
		want    Roles
		wantErr string
	}{
		{"ingestion,analytics,maintenance", AllRoles, ""},
		{"all", AllRoles, ""},
		{"ingestion", Ingestion, ""},
		{" Analytics , maintenance ", Analytics | Maintenance, ""},
		{"maintenance,maintenance", Maintenance, ""},
		{"ingest", 0, `unknown role "ingest"`},
		{"", 0, `unknown role ""`},
	}
	for _, c := range cases {
		got, err := ParseRoles(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) || !strings.Contains(err.Error(), "ingestion, analytics and maintenance") {
				t.Errorf("ParseRoles(%q) error = %v, want %q and the valid names", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseRoles(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if back, err := ParseRoles(got.String()); err != nil || back != got {
			t.Errorf("round trip of %q through %q = %v, %v", c.in, got.String(), back, err)
		}
	}
}
