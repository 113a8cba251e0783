package s3test

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestBinaryMissing(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "weed")
	t.Setenv(EnvBin, missing)
	_, err := Binary()
	if err == nil || !strings.Contains(err.Error(), missing) || !strings.Contains(err.Error(), "scripts/seaweedfs.sh build") {
		t.Fatalf("Binary() with a missing file = %v, want an error naming it and the build command", err)
	}
	t.Setenv(EnvBin, "")
	t.Setenv("MICROMEGAS_CI_CACHE", t.TempDir())
	if _, err := Binary(); err == nil || !strings.Contains(err.Error(), "bin/weed") {
		t.Fatalf("Binary() with an empty cache = %v, want an error naming the cache path", err)
	}
}

func TestURI(t *testing.T) {
	s := &Server{s3Port: 1234}
	want := "s3://b?endpoint=http%3A%2F%2F127.0.0.1%3A1234&region=us-east-1&use_path_style=true"
	if got := s.URI("b"); got != want {
		t.Errorf("URI = %s, want %s", got, want)
	}
}
