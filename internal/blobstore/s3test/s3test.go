// Package s3test gives tests a real S3-compatible server: SeaweedFS's
// `weed mini`, started on free loopback ports in a temporary folder and
// stopped when the test ends.
//
// The weed binary is built once, outside the repository, by
// `scripts/seaweedfs.sh build`; tests find it through MICROMEGAS_WEED_BIN or in
// the CI cache. When it is missing, tests fail with the command that builds
// it: they never skip.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

// EnvBin names the environment variable holding the path of the weed
// binary.
const EnvBin = "MICROMEGAS_WEED_BIN"

// Test credentials: weed mini makes them its admin identity, and Start puts
// them in the environment where the AWS SDK finds them.
const (
	AccessKeyID     = "micromegas-test"
	SecretAccessKey = "micromegas-test-secret"
	Region          = "us-east-1"
	// Bucket is the bucket every server starts with.
	Bucket = "micromegas"
)

// BuildCommand builds the weed binary where Binary looks for it.
const BuildCommand = "scripts/seaweedfs.sh build   # from the repository root; about 5 minutes, once"

// Binary returns the path of the weed binary: $MICROMEGAS_WEED_BIN, else
// ${MICROMEGAS_CI_CACHE:-$HOME/.cache/micromegas-ci}/bin/weed. The error
// says how to build it.
func Binary() (string, error) {
	path := os.Getenv(EnvBin)
	if path == "" {
		cache := os.Getenv("MICROMEGAS_CI_CACHE")
		if cache == "" {
			home, err := os.UserHomeDir()
			if err != nil {
				return "", fmt.Errorf("s3test: cannot locate the weed binary (no home folder: %v): set %s", err, EnvBin)
			}
			cache = filepath.Join(home, ".cache", "micromegas-ci")
		}
		path = filepath.Join(cache, "bin", "weed")
	}
	info, err := os.Stat(path)
	if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("s3test: the SeaweedFS binary is missing at %s: build it with\n\t%s\nor set %s to a weed binary", path, BuildCommand, EnvBin)
	}
	return path, nil
}

// Start starts a server for the duration of t, points the AWS environment
// (credentials, no instance metadata) at it and returns the object-store URI
// of its bucket, for blobstore.Open:
// s3://micromegas?endpoint=http://127.0.0.1:PORT&region=us-east-1&use_path_style=true.
func Start(t testing.TB) string {
	t.Helper()
	return StartServer(t).URI(Bucket)
}

// SetEnv sets the AWS environment variables that let the SDK talk to a
// server of this package, for the duration of t.
func SetEnv(t testing.TB) {
	t.Helper()
	for k, v := range Env() {
		t.Setenv(k, v)
	}
}

// Env returns the AWS environment variables that let the SDK (in this
// process or a child) talk to a server of this package.
func Env() map[string]string {
	return map[string]string{
		"AWS_ACCESS_KEY_ID":         AccessKeyID,
		"AWS_SECRET_ACCESS_KEY":     SecretAccessKey,
		"AWS_REGION":                Region,
		"AWS_EC2_METADATA_DISABLED": "true",
	}
}

// URI returns the object-store URI of bucket on the server.
func (s *Server) URI(bucket string) string {
	q := url.Values{}
	q.Set("endpoint", s.Endpoint())
	q.Set("region", Region)
	q.Set("use_path_style", "true")
	return "s3://" + bucket + "?" + q.Encode()
}

// NewBucket creates an empty bucket with a unique name and returns its
// URI.
func (s *Server) NewBucket(t testing.TB) string {
	t.Helper()
	s.mu.Lock()
	s.buckets++
	name := fmt.Sprintf("b%03d-%s", s.buckets, s.suffix)
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	if err := s.createBucket(ctx, name); err != nil {
		t.Fatalf("s3test: create bucket %s: %v", name, err)
	}
	return s.URI(name)
}

// errExited reports that weed stopped before S3 answered.
var errExited = errors.New("weed exited before S3 answered")
