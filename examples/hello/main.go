// Command hello is a small program instrumented with the telemetry
// package. Run it against a server:
//
//	go run ./cmd/micromegas serve &
//	MICROMEGAS_TELEMETRY_URL=http://127.0.0.1:9000 go run ./examples/hello
//	go run ./cmd/micromegas query "SELECT time, level, target, msg FROM log_entries ORDER BY time"
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// Log sites are declared once; an event then costs a timestamp and an id.
var (
	logStarted  = telemetry.NewLogSite(telemetry.LevelInfo, "hello", "hello started")
	logWork     = telemetry.NewLogSite(telemetry.LevelDebug, "hello/work", "processed item %d of %d")
	logSlow     = telemetry.NewLogSite(telemetry.LevelWarn, "hello/work", "item %d was slow: %s")
	logFailed   = telemetry.NewLogSite(telemetry.LevelError, "hello/work", "item failed to process")
	logFinished = telemetry.NewLogSite(telemetry.LevelInfo, "hello", "hello finished")
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(1)
	}
}

func run() error {
	guard, err := telemetry.Init(telemetry.Config{
		MaxLevel:          telemetry.LevelDebug,
		ProcessProperties: map[string]string{"example": "hello"},
	})
	if err != nil {
		return err
	}
	if guard.ProcessID() == "" {
		fmt.Fprintln(os.Stderr, "hello: MICROMEGAS_TELEMETRY_URL is not set; telemetry is disabled")
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := guard.Shutdown(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "hello: flushing telemetry:", err)
		}
		if st := guard.Stats(); st.Sink.Dropped+st.Sink.Failed+st.BlocksLost > 0 {
			fmt.Fprintf(os.Stderr, "hello: telemetry lost data: %+v\n", st)
		}
	}()

	logStarted.Log()
	const n = 3
	for i := 1; i <= n; i++ {
		logWork.Logf(i, n)
	}
	logSlow.Logf(2, 150*time.Millisecond)
	logFailed.Log()
	telemetry.Logf(telemetry.LevelTrace, "hello", "trace is below the max level and not recorded")
	logFinished.Log()
	fmt.Println("process", guard.ProcessID())
	return nil
}
