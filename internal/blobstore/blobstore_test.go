package blobstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/micromegas-go/micromegas/internal/blobstore"
	"github.com/micromegas-go/micromegas/internal/blobstore/blobstoretest"
)

func open(t *testing.T, uri string) *blobstore.Store {
	t.Helper()
	s, err := blobstore.Open(t.Context(), uri)
	if err != nil {
		t.Fatalf("Open(%s): %v", uri, err)
	}
	return s
}

func TestFile(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) *blobstore.Store {
		return open(t, "file://"+filepath.Join(t.TempDir(), "objects"))
	})
}

func TestMem(t *testing.T) {
	blobstoretest.Run(t, func(t *testing.T) *blobstore.Store { return open(t, "mem://") })
}

func TestOpenForms(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	cases := []struct {
		uri, wantURI, wantDir string
	}{
		{"file://" + dir + "/a", "file://" + dir + "/a", dir + "/a"},
		{"file://localhost" + dir + "/b", "file://" + dir + "/b", dir + "/b"},
		{dir + "/plain", "file://" + dir + "/plain", dir + "/plain"},
		{"relative/folder", "file://" + dir + "/relative/folder", dir + "/relative/folder"},
		{"file://./dot", "file://" + dir + "/dot", dir + "/dot"},
		{"mem://", "mem://", ""},
	}
	for _, tc := range cases {
		t.Run(tc.uri, func(t *testing.T) {
			s := open(t, tc.uri)
			defer s.Close()
			if s.URI() != tc.wantURI {
				t.Errorf("URI() = %q, want %q", s.URI(), tc.wantURI)
			}
			p, ok := s.LocalPath("k/v")
			if tc.wantDir == "" {
				if ok {
					t.Errorf("LocalPath on %s = %q, true; want false", tc.uri, p)
				}
				return
			}
			if info, err := os.Stat(tc.wantDir); err != nil || !info.IsDir() {
				t.Errorf("folder %s not created: %v", tc.wantDir, err)
			}
			if !ok || p != filepath.Join(tc.wantDir, "k", "v") {
				t.Errorf("LocalPath = %q, %v; want %s", p, ok, filepath.Join(tc.wantDir, "k", "v"))
			}
		})
	}
}

func TestOpenRemoteSchemes(t *testing.T) {
	// The drivers are registered and parse their URIs without contacting
	// anything; credentials never show in URI().
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	s := open(t, "s3://bucket?region=us-east-1&endpoint=http://user:pw@127.0.0.1:1&use_path_style=true")
	defer s.Close()
	if u := s.URI(); strings.Contains(u, "pw") || !strings.HasPrefix(u, "s3://bucket?") {
		t.Errorf("URI() = %q, want s3://bucket?... without credentials", u)
	}
	if _, ok := s.LocalPath("x"); ok {
		t.Errorf("LocalPath on S3 = true, want false")
	}
	// Nothing listens on port 1: the store is unavailable, not missing
	// (after the SDK's retries, about 2 s per call).
	err := s.Ping(t.Context())
	if !errors.Is(err, blobstore.ErrUnavailable) {
		t.Errorf("Ping(unreachable S3) = %v, want ErrUnavailable", err)
	}
	if err := s.Put(t.Context(), "k", []byte("v")); !errors.Is(err, blobstore.ErrUnavailable) {
		t.Errorf("Put(unreachable S3) = %v, want ErrUnavailable", err)
	}
}

func TestOpenBadURIs(t *testing.T) {
	cases := map[string]string{
		"":                                      "empty URI",
		"ftp://host/x":                          "unsupported scheme",
		"file://host/x":                         "no host",
		"file:///tmp/x?create=1":                "no parameters",
		"mem://name":                            "mem://",
		"postgres://u:pw@h/db":                  "unsupported scheme",
		"s3://bucket?nonsense=1":                "nonsense",
		"s3://u:pw@bucket?secret_key=pw&sig=pw": "secret_key",
	}
	for uri, want := range cases {
		t.Run(uri, func(t *testing.T) {
			_, err := blobstore.Open(t.Context(), uri)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("Open(%q) error = %v, want it to mention %q", uri, err, want)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("error leaks credentials: %v", err)
			}
		})
	}
}

func TestFilePingMissingFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "gone")
	s := open(t, dir)
	defer s.Close()
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := s.Ping(t.Context()); err == nil {
		t.Errorf("Ping after the folder was removed succeeded")
	}
}
