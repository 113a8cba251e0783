package blobstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"strings"

	"gocloud.dev/blob"
	"gocloud.dev/gcerrors"
)

const contentType = "application/octet-stream"

func checkKey(key string) error {
	if key == "" {
		return errors.New("empty object key")
	}
	return nil
}

// Put stores data under key with create-only semantics: when the key
// already exists with the same content Put succeeds (an idempotent retry);
// with different content it fails with ErrConflict and leaves the object
// unchanged. The existence check and the write are one conditional request
// where the backend supports it (If-None-Match on S3, a hard link in a
// local folder).
func (s *Store) Put(ctx context.Context, key string, data []byte) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("put object: %w", err)
	}
	if s.localDir != "" {
		return s.putLocal(ctx, key, data)
	}
	return s.putGeneric(ctx, key, data)
}

// putGeneric is Put through the gocloud driver.
func (s *Store) putGeneric(ctx context.Context, key string, data []byte) error {
	err := s.writeAll(ctx, key, data, true)
	switch gcerrors.Code(err) {
	case gcerrors.OK:
		return nil
	case gcerrors.FailedPrecondition, gcerrors.AlreadyExists:
		return s.compareExisting(ctx, key, data)
	case gcerrors.Unimplemented:
		// A backend without conditional writes: check, then write. Two
		// writers racing with different content may overwrite each other.
		exists, err := s.bucket.Exists(ctx, key)
		if err != nil {
			return wrapErr(fmt.Sprintf("put object %s", key), err)
		}
		if exists {
			return s.compareExisting(ctx, key, data)
		}
		err = s.writeAll(ctx, key, data, false)
		return wrapErr(fmt.Sprintf("put object %s", key), err)
	}
	return wrapErr(fmt.Sprintf("put object %s", key), err)
}

func (s *Store) compareExisting(ctx context.Context, key string, data []byte) error {
	existing, err := s.bucket.ReadAll(ctx, key)
	if err != nil {
		return wrapErr(fmt.Sprintf("put object %s: read existing object", key), err)
	}
	if !bytes.Equal(existing, data) {
		return fmt.Errorf("put object %s: %w", key, ErrConflict)
	}
	return nil
}

// NewWriter returns a writer that stores what is written under key, for
// objects too large to hold in memory (Parquet partitions). The object
// appears (replacing any previous one) when Close succeeds. Cancelling ctx
// before Close abandons the write.
func (s *Store) NewWriter(ctx context.Context, key string) (io.WriteCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("new object writer: %w", err)
	}
	w, err := s.bucket.NewWriter(ctx, key, &blob.WriterOptions{ContentType: contentType})
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("new object writer %s", key), err)
	}
	return &writer{w: w, key: key}, nil
}

// writer adds context and error classification to blob.Writer.
type writer struct {
	w   *blob.Writer
	key string
}

func (w *writer) Write(p []byte) (int, error) {
	n, err := w.w.Write(p)
	return n, wrapErr(fmt.Sprintf("write object %s", w.key), err)
}

func (w *writer) Close() error {
	return wrapErr(fmt.Sprintf("write object %s", w.key), w.w.Close())
}

// Get returns the content of key, or an error wrapping ErrNotFound.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("get object: %w", err)
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("get object %s", key), err)
	}
	defer r.Close()
	// Sized once, where Bucket.ReadAll grows its buffer from 512 bytes,
	// clearing and copying it at each step.
	buf := bytes.NewBuffer(make([]byte, 0, r.Size()+bytes.MinRead))
	if _, err := buf.ReadFrom(r); err != nil {
		return nil, wrapErr(fmt.Sprintf("get object %s", key), err)
	}
	return buf.Bytes(), nil
}

// NewReader opens key for reading, or fails with an error wrapping
// ErrNotFound. The caller closes the reader.
func (s *Store) NewReader(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, fmt.Errorf("read object: %w", err)
	}
	r, err := s.bucket.NewReader(ctx, key, nil)
	if err != nil {
		return nil, wrapErr(fmt.Sprintf("read object %s", key), err)
	}
	return r, nil
}

// Size returns the size in bytes of key, or an error wrapping ErrNotFound.
func (s *Store) Size(ctx context.Context, key string) (int64, error) {
	if err := checkKey(key); err != nil {
		return 0, fmt.Errorf("object size: %w", err)
	}
	attrs, err := s.bucket.Attributes(ctx, key)
	if err != nil {
		return 0, wrapErr(fmt.Sprintf("object size %s", key), err)
	}
	return attrs.Size, nil
}

// Delete removes key. Deleting a missing key is not an error.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return fmt.Errorf("delete object: %w", err)
	}
	err := s.bucket.Delete(ctx, key)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	return wrapErr(fmt.Sprintf("delete object %s", key), err)
}

// fileblobTemp matches the names of files that fileblob is still writing
// (destination + "." + hex nanoseconds + ".tmp").
var fileblobTemp = regexp.MustCompile(`\.[0-9a-f]+\.tmp$`)

// List calls fn for every object whose key starts with prefix, in key
// order. An error returned by fn stops the listing and is returned as is.
func (s *Store) List(ctx context.Context, prefix string, fn func(key string, size int64) error) error {
	it := s.bucket.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return wrapErr(fmt.Sprintf("list objects %q", prefix), err)
		}
		if obj.IsDir || (s.localDir != "" && fileblobTemp.MatchString(obj.Key)) {
			continue
		}
		if err := fn(obj.Key, obj.Size); err != nil {
			return err
		}
	}
}

// LocalPath returns the absolute path of the file that holds key, for
// stores in a local folder, so that readers such as DuckDB can open it in
// place. It returns false for other stores and for keys that fileblob
// would escape (control characters, "//", "." or ".." segments). It does
// not check that the object exists.
func (s *Store) LocalPath(key string) (string, bool) {
	if s.localDir == "" || key == "" || strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return "", false
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	for _, r := range key {
		if r < 32 || (filepath.Separator != '/' && r == filepath.Separator) {
			return "", false
		}
	}
	return filepath.Join(s.localDir, filepath.FromSlash(key)), true
}
