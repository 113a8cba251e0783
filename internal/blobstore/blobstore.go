// Package blobstore is the object storage of Micromegas: raw telemetry
// blocks and Parquet partitions, in a local folder, in memory, or in S3,
// Google Cloud Storage or Azure Blob Storage, through gocloud.dev/blob.
//
// Keys are slash-separated paths such as blobs/{process}/{stream}/{block}
// or views/{view_set}/{instance}/{date}/{file}.parquet.
package blobstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/blob/fileblob"
	"gocloud.dev/blob/memblob"
)

// ErrNotFound is returned (wrapped) when a key does not exist.
var ErrNotFound = errors.New("object not found")

// ErrUnavailable marks errors caused by the object store being unreachable
// or overloaded; the ingestion service maps it to HTTP 503.
var ErrUnavailable = errors.New("object store unavailable")

// ErrConflict is returned by Put when the key already holds different
// content.
var ErrConflict = errors.New("object already exists with different content")

// Store is an object store. It is safe for concurrent use.
type Store struct {
	bucket   *blob.Bucket
	uri      string // credentials removed
	localDir string // absolute folder of file:// stores, else ""
	// contentMD5 makes writes send an MD5 that the service checks: for
	// backends whose SDK sends no checksum of its own (gs, azblob).
	contentMD5 bool
}

// Open opens the object store named by uri:
//
//   - file:///abs/path, or a plain local path (relative paths are made
//     absolute): a folder, created if missing. Objects are plain files
//     (no metadata side files), so other tools, DuckDB among them, can read
//     them in place (see LocalPath).
//   - mem://: an empty in-memory store, private to this Store (for tests).
//   - s3://bucket?region=us-east-1&endpoint=http://127.0.0.1:8333&use_path_style=true:
//     Amazon S3 or an S3-compatible server. The region, endpoint, path-style
//     addressing (use_path_style), disable_https and other options come from
//     URL parameters; credentials and defaults come from the usual AWS
//     environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION,
//     AWS_PROFILE, shared config files, instance roles). Never put secrets
//     in the URL.
//   - gs://bucket: Google Cloud Storage, with Application Default Credentials.
//   - azblob://container: Azure Blob Storage, configured by the
//     AZURE_STORAGE_ACCOUNT, AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN
//     environment variables (or a managed identity).
//
// Open does not contact remote stores; call Ping to check that the bucket
// answers.
func Open(ctx context.Context, uri string) (*Store, error) {
	if uri == "" {
		return nil, errors.New("open object store: empty URI: want a folder such as file:///var/lib/micromegas, or s3://bucket, gs://bucket, azblob://container, mem://")
	}
	scheme, _, ok := strings.Cut(uri, "://")
	if !ok {
		return openFolder(uri)
	}
	safe := redact(uri)
	switch scheme {
	case "file":
		return openFileURL(uri, safe)
	case "mem":
		if uri != "mem://" {
			return nil, fmt.Errorf("open object store %s: a memory store takes no name or parameters: use mem://", safe)
		}
		return &Store{bucket: memblob.OpenBucket(nil), uri: "mem://"}, nil
	case "s3", "gs", "azblob":
		bucket, err := blob.OpenBucket(ctx, uri)
		if err != nil {
			// The drivers' errors quote the URI, credentials included.
			return nil, fmt.Errorf("open object store %s: %w", safe, &redactedError{err: err, raw: uri, safe: safe})
		}
		return &Store{bucket: bucket, uri: safe, contentMD5: scheme != "s3"}, nil
	default:
		return nil, fmt.Errorf("open object store %s: unsupported scheme %q: want file://, s3://, gs://, azblob:// or mem://", safe, scheme)
	}
}

// openFileURL opens file:///abs/path (or file://./rel/path, as gocloud
// spells relative paths).
func openFileURL(uri, safe string) (*Store, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", safe, err)
	}
	if u.RawQuery != "" {
		return nil, fmt.Errorf("open object store %s: file URIs take no parameters", safe)
	}
	switch u.Host {
	case "", "localhost":
		if u.Path == "" {
			return nil, fmt.Errorf("open object store %s: no folder: want file:///absolute/path", safe)
		}
		return openFolder(u.Path)
	case ".":
		return openFolder(strings.TrimPrefix(u.Path, "/"))
	default:
		return nil, fmt.Errorf("open object store %s: file URIs take no host (%q): want file:///absolute/path", safe, u.Host)
	}
}

// openFolder opens (creating it if needed) a local folder as a store.
func openFolder(path string) (*Store, error) {
	dir, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", path, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("open object store %s: create folder: %w", dir, err)
	}
	bucket, err := fileblob.OpenBucket(dir, &fileblob.Options{
		// Temporary files next to their destination: a rename across
		// file systems (os.TempDir on another mount) would fail.
		NoTempDir: true,
		Metadata:  fileblob.MetadataDontWrite,
	})
	if err != nil {
		return nil, fmt.Errorf("open object store %s: %w", dir, err)
	}
	return &Store{bucket: bucket, uri: (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir)}).String(), localDir: dir}, nil
}

// redact removes credentials from a URI: the user information and the
// values of query parameters whose name suggests a secret.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		scheme, _, _ := strings.Cut(uri, "://")
		return scheme + "://<unparsable URI>"
	}
	u.User = nil
	q := u.Query()
	changed := false
	for k, vs := range q {
		lk := strings.ToLower(k)
		if secretParam(lk) {
			q.Set(k, "REDACTED")
			changed = true
			continue
		}
		// A URL inside a parameter (endpoint=http://user:pw@host).
		for i, v := range vs {
			if inner, err := url.Parse(v); err == nil && inner.User != nil {
				inner.User = nil
				vs[i] = inner.String()
				changed = true
			}
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

func secretParam(name string) bool {
	for _, w := range []string{"secret", "password", "token", "key", "sig", "credential"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// redactedError hides the raw URI in the message of a driver error while
// keeping the error chain for errors.Is and errors.As.
type redactedError struct {
	err       error
	raw, safe string
}

func (e *redactedError) Error() string { return strings.ReplaceAll(e.err.Error(), e.raw, e.safe) }
func (e *redactedError) Unwrap() error { return e.err }

// URI returns the store's URI without credentials, safe to log.
func (s *Store) URI() string { return s.uri }

// Ping checks that the store answers and its bucket or folder exists.
func (s *Store) Ping(ctx context.Context) error {
	if s.localDir != "" {
		// fileblob lists a missing folder as empty: check it directly.
		info, err := os.Stat(s.localDir)
		if err != nil {
			return fmt.Errorf("ping object store %s: %w", s.uri, err)
		}
		if !info.IsDir() {
			return fmt.Errorf("ping object store %s: not a folder", s.uri)
		}
		return nil
	}
	ok, err := s.bucket.IsAccessible(ctx)
	if err != nil {
		return wrapErr(fmt.Sprintf("ping object store %s", s.uri), err)
	}
	if !ok {
		return fmt.Errorf("ping object store %s: the bucket or folder does not exist", s.uri)
	}
	return nil
}

// Close releases the store's resources.
func (s *Store) Close() error {
	if err := s.bucket.Close(); err != nil {
		return fmt.Errorf("close object store %s: %w", s.uri, err)
	}
	return nil
}
