package otlp

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine running (a
// gRPC server or an ingestion server not shut down).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
