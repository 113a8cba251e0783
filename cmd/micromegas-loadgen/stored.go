package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// storedEvents asks the HTTP query API of a server (POST /api/query) how
// many events of the process are stored in its blocks, per stream tag
// ("log", "metrics", "cpu"). It waits until the count stops changing: the
// server inserts the last blocks of the run after the client's shutdown
// returned.
func storedEvents(ctx context.Context, queryURL, processID string) (map[string]uint64, error) {
	var last map[string]uint64
	for {
		got, err := queryStored(ctx, queryURL, processID)
		if err != nil {
			return nil, err
		}
		if last != nil && equalCounts(got, last) {
			return got, nil
		}
		last = got
		select {
		case <-ctx.Done():
			return last, nil
		case <-time.After(time.Second):
		}
	}
}

func equalCounts(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func queryStored(ctx context.Context, queryURL, processID string) (map[string]uint64, error) {
	if strings.ContainsAny(processID, `'"\`) {
		return nil, fmt.Errorf("process id %q: unexpected characters", processID)
	}
	sql := `SELECT array_to_string("streams.tags", ',') AS tags, CAST(sum(nb_objects) AS BIGINT) AS n ` +
		`FROM blocks WHERE process_id = '` + processID + `' GROUP BY 1`
	body, err := json.Marshal(map[string]string{"sql": sql})
	if err != nil {
		return nil, fmt.Errorf("encode query: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(queryURL, "/")+"/api/query", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("query stored events: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("query stored events: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("read stored events: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("query stored events: %s: %s", resp.Status, strings.TrimSpace(string(data)))
	}
	var rows []struct {
		Tags string `json:"tags"`
		N    uint64 `json:"n"`
	}
	if err := json.Unmarshal(data, &rows); err != nil {
		return nil, fmt.Errorf("decode stored events: %w", err)
	}
	counts := map[string]uint64{}
	for _, r := range rows {
		counts[r.Tags] += r.N
	}
	return counts, nil
}
