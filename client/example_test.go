package client_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/micromegas-go/micromegas/client"
)

// Query the log entries of the last hour and print them as they stream in.
func Example() {
	ctx := context.Background()
	c, err := client.Dial(ctx, "grpc://localhost:50051", client.WithToken(os.Getenv("MICROMEGAS_TOKEN")))
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()

	rdr, err := c.Query(ctx, "SELECT time, level, msg FROM log_entries ORDER BY time DESC LIMIT 10", client.Last(time.Hour))
	if err != nil {
		log.Fatal(err)
	}
	defer rdr.Release()
	for rdr.Next() {
		batch := rdr.RecordBatch() // valid until the next call to Next
		fmt.Println(batch.NumRows(), "rows")
	}
	if err := rdr.Err(); err != nil {
		log.Fatal(err)
	}
}
