package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// getOK GETs url and returns nil on a 200.
func getOK(ctx context.Context, url string) error {
	if url == "" {
		return fmt.Errorf("no address")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return nil
}
