package main

import (
	"flag"
	"io"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/app"
)

func TestQueryLimitFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		env  map[string]string
		want app.Config
		bad  bool
	}{
		{args: nil, want: app.Config{QueryTimeout: app.DefaultQueryTimeout, MaxConcurrentQueries: app.DefaultMaxConcurrentQueries, QueryTempSize: app.DefaultQueryTempSize}},
		{args: []string{"--query-timeout", "30s", "--query-memory", "2GB", "--max-concurrent-queries", "3", "--query-temp-size", "1GB"},
			want: app.Config{QueryTimeout: 30 * time.Second, QueryMemory: "2GB", MaxConcurrentQueries: 3, QueryTempSize: "1GB"}},
		{args: []string{"--query-timeout", "0", "--max-concurrent-queries", "0"},
			want: app.Config{QueryTimeout: -1, MaxConcurrentQueries: -1, QueryTempSize: app.DefaultQueryTempSize}},
		{env: map[string]string{"MICROMEGAS_QUERY_TIMEOUT": "1m", "MICROMEGAS_QUERY_MEMORY": "1GB"},
			want: app.Config{QueryTimeout: time.Minute, QueryMemory: "1GB", MaxConcurrentQueries: app.DefaultMaxConcurrentQueries, QueryTempSize: app.DefaultQueryTempSize}},
		{args: []string{"--query-timeout", "soon"}, bad: true},
		{args: []string{"--max-concurrent-queries", "-2"}, bad: true},
	} {
		for k, v := range c.env {
			t.Setenv(k, v)
		}
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		set := queryLimitFlags(fs)
		if err := fs.Parse(c.args); err != nil {
			t.Fatal(err)
		}
		var cfg app.Config
		err := set(&cfg)
		if (err != nil) != c.bad {
			t.Errorf("%v: err = %v", c.args, err)
			continue
		}
		if !c.bad && cfg != c.want {
			t.Errorf("%v %v: got %+v, want %+v", c.args, c.env, cfg, c.want)
		}
	}
}
