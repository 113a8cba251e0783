package telemetry

import (
	"bytes"
	"context"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

var refusedSite = NewLogSite(LevelInfo, "refused", "line %d")

// TestUnauthorizedReportedOnce: a server that refuses the credentials
// gets the key as a bearer token, every refused message is counted, none
// is retried, and the program's log says so once.
func TestUnauthorizedReportedOnce(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Header.Get("Authorization"))
		mu.Unlock()
		http.Error(w, "invalid token", http.StatusUnauthorized)
	}))
	defer srv.Close()
	logged := &lockedBuffer{}
	log.SetOutput(logged)
	defer log.SetOutput(os.Stderr)
	t.Setenv(EnvIngestionAPIKey, "refused-key-0123456789")
	g, err := Init(Config{URL: srv.URL, LogBufferSize: 1024})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		refusedSite.Logf(i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := g.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	st := g.Stats().Sink
	if st.Unauthorized < 3 || st.Retries != 0 || st.Sent != 0 || int(st.Unauthorized) != len(got) {
		t.Errorf("sink stats %+v after %d requests: want every message unauthorized once, no retry", st, len(got))
	}
	if len(got) == 0 || got[0] != "Bearer refused-key-0123456789" {
		t.Errorf("Authorization headers %q", got)
	}
	if n := strings.Count(logged.String(), "micromegas telemetry:"); n != 1 || !strings.Contains(logged.String(), "MICROMEGAS_INGESTION_API_KEY") {
		t.Errorf("the program's log says it %d times: %q", n, logged.String())
	}
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
