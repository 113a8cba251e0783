package blobstore_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/blobstoretest"
	"github.com/micromegas-go/micromegas/internal/blobstore/s3test"
)

// TestS3 runs the conformance suite against SeaweedFS, a fresh bucket per
// case.
func TestS3(t *testing.T) {
	srv := s3test.StartServer(t)
	blobstoretest.Run(t, func(t *testing.T) *blobstore.Store { return open(t, srv.NewBucket(t)) })

	t.Run("MissingBucket", func(t *testing.T) {
		s := open(t, srv.URI("no-such-bucket"))
		defer s.Close()
		err := s.Ping(t.Context())
		if err == nil || errors.Is(err, blobstore.ErrUnavailable) || !strings.Contains(err.Error(), "does not exist") {
			t.Errorf("Ping(missing bucket) = %v, want a 'does not exist' error that is not ErrUnavailable", err)
		}
	})

	// Last: the server goes away under an open store.
	t.Run("ServerStopped", func(t *testing.T) {
		s := open(t, srv.NewBucket(t))
		defer s.Close()
		if err := s.Put(t.Context(), "k", []byte("v")); err != nil {
			t.Fatalf("Put: %v", err)
		}
		srv.Stop()
		if err := s.Ping(t.Context()); !errors.Is(err, blobstore.ErrUnavailable) {
			t.Errorf("Ping(stopped server) = %v, want ErrUnavailable", err)
		}
		if err := s.Put(t.Context(), "k2", []byte("v")); !errors.Is(err, blobstore.ErrUnavailable) {
			t.Errorf("Put(stopped server) = %v, want ErrUnavailable", err)
		}
		if _, err := s.Get(t.Context(), "k"); !errors.Is(err, blobstore.ErrUnavailable) {
			t.Errorf("Get(stopped server) = %v, want ErrUnavailable", err)
		}
	})
}
