package telemetry

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/micromegas-go/micromegas/internal/clientauth"
	"github.com/micromegas-go/micromegas/telemetry/sink"
)

// Environment variables read by Init.
const (
	EnvTelemetryURL      = "MICROMEGAS_TELEMETRY_URL"
	EnvEnableCPUTracing  = "MICROMEGAS_ENABLE_CPU_TRACING"
	EnvFlushPeriod       = "MICROMEGAS_FLUSH_PERIOD"
	EnvMaxLevel          = "MICROMEGAS_MAX_LEVEL"
	EnvProcessProperties = "MICROMEGAS_PROCESS_PROPERTIES"
	EnvParentProcess     = "MICROMEGAS_TELEMETRY_PARENT_PROCESS"
	EnvIngestionAPIKey   = "MICROMEGAS_INGESTION_API_KEY"
	EnvRuntimeMetrics    = "MICROMEGAS_RUNTIME_METRICS"
	EnvFlightRecorder    = "MICROMEGAS_FLIGHT_RECORDER"
)

// Config configures Init. Zero fields take their value from the
// environment, then from the defaults.
type Config struct {
	// URL of the ingestion service (MICROMEGAS_TELEMETRY_URL). Empty:
	// telemetry is disabled and every call is a no-op.
	URL string
	// MaxLevel is the most verbose level recorded (MICROMEGAS_MAX_LEVEL,
	// default LevelInfo). Change it at run time with SetMaxLevel.
	MaxLevel Level
	// TargetLevels overrides MaxLevel for targets starting with a prefix
	// (see SetTargetLevel).
	TargetLevels map[string]Level
	// EnableCPUTracing records spans (tracks and async spans). When false,
	// MICROMEGAS_ENABLE_CPU_TRACING=true enables them; by default, as in
	// the original, no span is recorded.
	EnableCPUTracing bool
	// FlushPeriod is how often partial blocks are sent
	// (MICROMEGAS_FLUSH_PERIOD in seconds or as a Go duration, default 60 s).
	FlushPeriod time.Duration
	// LogBufferSize, MetricsBufferSize and CPUBufferSize are the sizes in
	// bytes of a block buffer of each stream kind (default 1 MiB each).
	// There is a log, a metrics and a cpu stream per P (GOMAXPROCS), and a
	// cpu stream per track.
	LogBufferSize     int
	MetricsBufferSize int
	CPUBufferSize     int
	// ProcessProperties are added to the process description, after those
	// of MICROMEGAS_PROCESS_PROPERTIES ("k=v,k=v").
	ProcessProperties map[string]string
	// MaxQueuedBytes bounds the encoded blocks waiting to be sent
	// (default 64 MiB).
	MaxQueuedBytes int64
	// Decorate is applied to every HTTP request (authentication). When
	// nil, requests carry "Authorization: Bearer <token>" with
	// MICROMEGAS_INGESTION_API_KEY, or the access token of OAuth2 client
	// credentials (MICROMEGAS_OIDC_CLIENT_ID, MICROMEGAS_OIDC_CLIENT_SECRET,
	// MICROMEGAS_OIDC_TOKEN_ENDPOINT or MICROMEGAS_OIDC_ISSUER,
	// MICROMEGAS_OIDC_AUDIENCE), cached and renewed before it expires.
	Decorate func(*http.Request) error
	// Client is the HTTP client of the sink (nil: one with a 30 s timeout
	// that trusts the certificates of MICROMEGAS_CA_FILE besides the
	// system's).
	Client *http.Client
	// TailSampling, when not nil, holds span (cpu) blocks back and sends
	// them only when something makes them worth keeping.
	TailSampling *TailSampling
	// RuntimeMetricsPeriod is how often the Go runtime's metrics (heap,
	// GC, goroutines, scheduler latency, CPU classes, mutex wait) are
	// recorded as metrics of target go/runtime. Zero: MICROMEGAS_RUNTIME_METRICS
	// (a duration, seconds, or "off"), else every second;
	// RuntimeMetricsOff turns them off.
	RuntimeMetricsPeriod time.Duration
	// FlightRecorder, when not nil, keeps the Go execution trace of the
	// last moments in memory and sends it when a tail-sampling trigger
	// fires (see FlightRecorder). When nil, MICROMEGAS_FLIGHT_RECORDER (a
	// window such as "30s") turns it on; by default it is off.
	FlightRecorder *FlightRecorder
}

// Defaults.
const (
	DefaultFlushPeriod   = 60 * time.Second
	DefaultLogBufferSize = 1 << 20
	DefaultBufferSize    = 1 << 20
	DefaultMaxLevel      = LevelInfo
	// minBufferSize keeps room for the largest fixed-size event and a
	// truncated message.
	minBufferSize = 4 * maxObjectSize
)

// withEnv fills the zero fields of cfg from the environment and defaults.
func withEnv(cfg Config) (Config, error) {
	if cfg.URL == "" {
		cfg.URL = os.Getenv(EnvTelemetryURL)
	}
	if cfg.MaxLevel == 0 {
		cfg.MaxLevel = DefaultMaxLevel
		if s := os.Getenv(EnvMaxLevel); s != "" {
			l, err := ParseLevel(s)
			if err != nil {
				return cfg, fmt.Errorf("%s: %w", EnvMaxLevel, err)
			}
			cfg.MaxLevel = l
		}
	}
	if !cfg.EnableCPUTracing {
		cfg.EnableCPUTracing = strings.EqualFold(strings.TrimSpace(os.Getenv(EnvEnableCPUTracing)), "true")
	}
	if cfg.FlushPeriod <= 0 {
		cfg.FlushPeriod = DefaultFlushPeriod
		if s := os.Getenv(EnvFlushPeriod); s != "" {
			d, err := parseFlushPeriod(s)
			if err != nil {
				return cfg, err
			}
			cfg.FlushPeriod = d
		}
	}
	for _, size := range []*int{&cfg.LogBufferSize, &cfg.MetricsBufferSize, &cfg.CPUBufferSize} {
		switch {
		case *size <= 0:
			*size = DefaultBufferSize
		case *size < minBufferSize:
			*size = minBufferSize
		case *size > maxBufferSize:
			return cfg, fmt.Errorf("telemetry: buffer size %d exceeds %d bytes", *size, maxBufferSize)
		}
	}
	if cfg.Decorate == nil {
		src, err := clientauth.ReadEnv(EnvIngestionAPIKey).Source(context.Background())
		if err != nil {
			return cfg, fmt.Errorf("telemetry credentials: %w", err)
		}
		if src != nil {
			cfg.Decorate = func(r *http.Request) error {
				h, err := clientauth.Header(src)
				if err != nil {
					if clientauth.Refused(err) {
						return fmt.Errorf("%w: %w", sink.ErrUnauthorized, err)
					}
					return err
				}
				r.Header.Set("Authorization", h)
				return nil
			}
		}
	}
	if cfg.RuntimeMetricsPeriod == 0 {
		cfg.RuntimeMetricsPeriod = DefaultRuntimeMetricsPeriod
		if s := os.Getenv(EnvRuntimeMetrics); s != "" {
			d, err := parseRuntimeMetrics(s)
			if err != nil {
				return cfg, err
			}
			cfg.RuntimeMetricsPeriod = d
		}
	}
	if cfg.RuntimeMetricsPeriod < 0 {
		cfg.RuntimeMetricsPeriod = RuntimeMetricsOff
	}
	if cfg.FlightRecorder == nil {
		if s := os.Getenv(EnvFlightRecorder); s != "" {
			fr, err := parseFlightRecorder(s)
			if err != nil {
				return cfg, err
			}
			cfg.FlightRecorder = fr
		}
	}
	if cfg.FlightRecorder != nil {
		fr := cfg.FlightRecorder.withDefaults()
		cfg.FlightRecorder = &fr
	}
	if cfg.Client == nil && cfg.URL != "" {
		tlsCfg, err := clientauth.TLSConfig(os.Getenv(clientauth.EnvCAFile))
		if err != nil {
			return cfg, fmt.Errorf("telemetry: %w", err)
		}
		cfg.Client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
			Proxy: http.ProxyFromEnvironment, TLSClientConfig: tlsCfg,
			MaxIdleConnsPerHost: 4, IdleConnTimeout: 90 * time.Second,
		}}
	}
	if cfg.TailSampling != nil {
		ts := cfg.TailSampling.withDefaults()
		if err := ts.validate(); err != nil {
			return cfg, err
		}
		cfg.TailSampling = &ts
	}
	return cfg, nil
}

// parseFlushPeriod reads MICROMEGAS_FLUSH_PERIOD: seconds, or a Go duration.
func parseFlushPeriod(s string) (time.Duration, error) {
	if d, err := parsePeriod(s); err == nil {
		return d, nil
	}
	return 0, fmt.Errorf("%s=%q: want a number of seconds (60) or a duration (1m)", EnvFlushPeriod, s)
}

// parseRuntimeMetrics reads MICROMEGAS_RUNTIME_METRICS: "off" (or
// "false", "0"), a Go duration, or seconds.
func parseRuntimeMetrics(s string) (time.Duration, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "false", "0", "no":
		return RuntimeMetricsOff, nil
	case "on", "true", "yes":
		return DefaultRuntimeMetricsPeriod, nil
	}
	if d, err := parsePeriod(s); err == nil {
		return d, nil
	}
	return 0, fmt.Errorf("%s=%q: want off, a duration (1s, 500ms) or a number of seconds", EnvRuntimeMetrics, s)
}

// parseFlightRecorder reads MICROMEGAS_FLIGHT_RECORDER: "off", or the
// window as a Go duration or seconds.
func parseFlightRecorder(s string) (*FlightRecorder, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "off", "false", "0", "no":
		return nil, nil
	}
	d, err := parsePeriod(s)
	if err != nil {
		return nil, fmt.Errorf("%s=%q: want a window such as 30s (or off)", EnvFlightRecorder, s)
	}
	return &FlightRecorder{Window: d}, nil
}

// parsePeriod reads a positive Go duration or number of seconds.
func parsePeriod(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	if secs, err := strconv.ParseFloat(s, 64); err == nil && secs > 0 {
		return time.Duration(secs * float64(time.Second)), nil
	}
	return 0, fmt.Errorf("%q is not a positive duration", s)
}

// parseProperties parses "k=v,k=v"; malformed items are ignored.
func parseProperties(s string) map[string]string {
	props := map[string]string{}
	for item := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(item, "=")
		if k = strings.TrimSpace(k); ok && k != "" {
			props[k] = strings.TrimSpace(v)
		}
	}
	return props
}
