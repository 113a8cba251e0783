package telemetry

import (
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	for _, c := range []struct {
		name    string
		env     map[string]string
		cfg     Config
		check   func(Config) bool
		wantErr string
	}{
		{"defaults", nil, Config{}, func(c Config) bool {
			return c.MaxLevel == LevelInfo && c.FlushPeriod == DefaultFlushPeriod && !c.EnableCPUTracing && c.LogBufferSize == DefaultBufferSize
		}, ""},
		{"env", map[string]string{EnvTelemetryURL: "http://x:9000", EnvMaxLevel: "debug", EnvEnableCPUTracing: "true", EnvFlushPeriod: "2.5"}, Config{},
			func(c Config) bool {
				return c.URL == "http://x:9000" && c.MaxLevel == LevelDebug && c.EnableCPUTracing && c.FlushPeriod == 2500*time.Millisecond
			}, ""},
		{"code wins", map[string]string{EnvTelemetryURL: "http://env", EnvMaxLevel: "trace"}, Config{URL: "http://code", MaxLevel: LevelWarn},
			func(c Config) bool { return c.URL == "http://code" && c.MaxLevel == LevelWarn }, ""},
		{"duration period", map[string]string{EnvFlushPeriod: "1m"}, Config{}, func(c Config) bool { return c.FlushPeriod == time.Minute }, ""},
		{"cpu tracing not true", map[string]string{EnvEnableCPUTracing: "yes"}, Config{}, func(c Config) bool { return !c.EnableCPUTracing }, ""},
		{"bad level", map[string]string{EnvMaxLevel: "loud"}, Config{}, nil, "MICROMEGAS_MAX_LEVEL"},
		{"bad period", map[string]string{EnvFlushPeriod: "soon"}, Config{}, nil, "MICROMEGAS_FLUSH_PERIOD"},
		{"bad probability", nil, Config{TailSampling: &TailSampling{Probability: 2}}, nil, "Probability"},
		{"runtime metrics off", map[string]string{EnvRuntimeMetrics: "off"}, Config{}, func(c Config) bool { return c.RuntimeMetricsPeriod == RuntimeMetricsOff }, ""},
		{"runtime metrics period", map[string]string{EnvRuntimeMetrics: "250ms"}, Config{}, func(c Config) bool { return c.RuntimeMetricsPeriod == 250*time.Millisecond }, ""},
		{"runtime metrics default", nil, Config{}, func(c Config) bool { return c.RuntimeMetricsPeriod == DefaultRuntimeMetricsPeriod }, ""},
		{"runtime metrics code wins", map[string]string{EnvRuntimeMetrics: "5s"}, Config{RuntimeMetricsPeriod: RuntimeMetricsOff}, func(c Config) bool { return c.RuntimeMetricsPeriod == RuntimeMetricsOff }, ""},
		{"bad runtime metrics", map[string]string{EnvRuntimeMetrics: "often"}, Config{}, nil, "MICROMEGAS_RUNTIME_METRICS"},
		{"flight recorder env", map[string]string{EnvFlightRecorder: "30s"}, Config{}, func(c Config) bool {
			fr := c.FlightRecorder
			return fr != nil && fr.Window == 30*time.Second && fr.MinInterval == 30*time.Second && fr.MaxBytes == DefaultFlightRecorderMaxBytes
		}, ""},
		{"flight recorder off by default", nil, Config{}, func(c Config) bool { return c.FlightRecorder == nil }, ""},
		{"flight recorder env off", map[string]string{EnvFlightRecorder: "off"}, Config{}, func(c Config) bool { return c.FlightRecorder == nil }, ""},
		{"bad flight recorder", map[string]string{EnvFlightRecorder: "long"}, Config{}, nil, "MICROMEGAS_FLIGHT_RECORDER"},
		{"small buffer raised", nil, Config{LogBufferSize: 10}, func(c Config) bool { return c.LogBufferSize == minBufferSize }, ""},
		{"api key", map[string]string{EnvIngestionAPIKey: "s3cret"}, Config{}, func(c Config) bool {
			r, _ := http.NewRequest("POST", "http://x", nil)
			return c.Decorate != nil && c.Decorate(r) == nil && r.Header.Get("Authorization") == "Bearer s3cret"
		}, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, k := range []string{EnvTelemetryURL, EnvMaxLevel, EnvEnableCPUTracing, EnvFlushPeriod, EnvIngestionAPIKey, EnvRuntimeMetrics, EnvFlightRecorder} {
				t.Setenv(k, c.env[k])
			}
			got, err := withEnv(c.cfg)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one about %s", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.check(got) {
				t.Errorf("config %+v", got)
			}
		})
	}
}

// TestProcessInfoFromEnv: process properties and the parent process come
// from the environment, and children see this process as their parent.
func TestProcessInfoFromEnv(t *testing.T) {
	const parent = "7b3c5a2e-1d4f-4a6b-8c9d-0e1f2a3b4c5d"
	t.Setenv(EnvProcessProperties, "env=prod, region = eu")
	t.Setenv(EnvParentProcess, parent)
	c := newCollector(t)
	g := startTelemetry(t, Config{URL: c.url(), ProcessProperties: map[string]string{"region": "us"}})
	shutdown(t, g)
	if len(c.processes) != 1 {
		t.Fatalf("%d processes", len(c.processes))
	}
	p := c.processes[0]
	if p.Properties["env"] != "prod" || p.Properties["region"] != "us" || string(p.ParentProcessID) != parent {
		t.Errorf("process %+v", p)
	}
	if p.Username == "" || p.Computer == "" || p.Distro == "" || p.StartTime.IsZero() || p.StartTicks == 0 {
		t.Errorf("process info incomplete: %+v", p)
	}
	if got := os.Getenv(EnvParentProcess); got != g.ProcessID() {
		t.Errorf("%s=%q after Init, want this process %s", EnvParentProcess, got, g.ProcessID())
	}
}
