package catalogtest

import (
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/catalog"
)

func testTimePrecision(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	p := newProcess(baseTime)
	mustInsertProcess(t, s, p)
	got, err := s.GetProcess(ctx, p.ProcessID)
	if err != nil {
		t.Fatalf("GetProcess: %v", err)
	}
	checkTime(t, "StartTime", got.StartTime, p.StartTime)
	if got.StartTime.Equal(p.StartTime) {
		t.Logf("time precision: nanosecond")
	} else {
		t.Logf("time precision: microsecond")
	}

	b := newBlock(p.ProcessID, p.ProcessID, baseTime.Add(987*time.Nanosecond))
	b.EndTime = b.BeginTime.Add(time.Microsecond + time.Nanosecond)
	mustInsertBlock(t, s, b)
	blocks := mustListBlocks(t, s, catalog.BlockFilter{ProcessID: p.ProcessID})
	if len(blocks) != 1 {
		t.Fatalf("ListBlocks = %d blocks, want 1", len(blocks))
	}
	checkBlock(t, blocks[0], b)

	// Times far from today survive too.
	for _, ts := range []time.Time{
		time.Date(1971, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2200, 12, 31, 23, 59, 59, 999999000, time.UTC),
	} {
		old := newProcess(ts)
		mustInsertProcess(t, s, old)
		got, err := s.GetProcess(ctx, old.ProcessID)
		if err != nil {
			t.Fatalf("GetProcess: %v", err)
		}
		checkTime(t, "StartTime", got.StartTime, ts)
	}
}

func testPropertiesAndTags(t *testing.T, s catalog.Store) {
	ctx := ctxFor(t)
	cases := []struct {
		name  string
		props map[string]string
		tags  []string
	}{
		{"Nil", nil, nil},
		{"Empty", map[string]string{}, []string{}},
		{"One", map[string]string{"k": "v"}, []string{"log"}},
		{"Special", map[string]string{
			`comma,key`:   `quote"value`,
			`(paren)`:     `{brace}`,
			`back\slash`:  `NULL`,
			"empty-value": "",
			"":            "empty key",
			"unicode ✓":   "日本語",
			"newline":     "a\nb",
		}, []string{"a,b", `c"d`, "NULL", "", "{x}", "é"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProcess(baseTime)
			p.Properties = tc.props
			mustInsertProcess(t, s, p)
			gotP, err := s.GetProcess(ctx, p.ProcessID)
			if err != nil {
				t.Fatalf("GetProcess: %v", err)
			}
			st := newStream(p.ProcessID, tc.tags...)
			st.Tags = tc.tags
			st.Properties = tc.props
			mustInsertStream(t, s, st)
			gotS, err := s.GetStream(ctx, st.StreamID)
			if err != nil {
				t.Fatalf("GetStream: %v", err)
			}
			// checkProcess/checkStream compare nil and empty as equal
			// but require non-nil results.
			checkProcess(t, gotP, p)
			checkStream(t, gotS, st)
		})
	}
}
