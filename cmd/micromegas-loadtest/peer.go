package main

import (
	"context"
	"errors"
	"io"
)

func runPeer(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("peer: not yet")
}
