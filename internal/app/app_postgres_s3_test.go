package app

import (
	"context"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
	"github.com/micromegas-go/micromegas/internal/catalog/postgres/pgtest"
)

// TestEndToEndPostgresS3 is TestEndToEnd on the production stores: a
// PostgreSQL catalog and an S3 object store (SeaweedFS). The partitions the
// analytics writes go to S3 too, and are read back through the local cache.
func TestEndToEndPostgresS3(t *testing.T) {
	cfg := Config{
		DataDir:             t.TempDir(),
		SQLConnectionString: pgtest.NewDatabase(t),
		ObjectStoreURI:      s3test.Start(t),
		IngestionAddr:       "127.0.0.1:0",
		FlightSQLAddr:       "127.0.0.1:0",
		WebAddr:             "127.0.0.1:0",
		OTLPGRPCAddr:        "127.0.0.1:0",
	}
	a, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start server on PostgreSQL and S3: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	checkLogScenario(t, a)
	checkOTLPScenario(t, a, "otlp-pg-s3", httpExporters)
}
