package blobstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"gocloud.dev/blob"
)

// putLocal is Put for a store in a local folder: the data goes to a
// temporary file beside its destination, which is then hard-linked to the
// destination name. The link fails when the name exists, so the write is
// create-only even when several writers (processes included) race, and a
// reader never sees a partial object. fileblob's own IfNotExist checks then
// renames, which lets a racing writer overwrite.
//
// Like fileblob, putLocal does not fsync: an acknowledged object survives
// the crash of the process, not the crash of the machine.
func (s *Store) putLocal(ctx context.Context, key string, data []byte) error {
	path, ok := s.LocalPath(key)
	if !ok {
		// A key that fileblob escapes: let fileblob write it.
		return s.putGeneric(ctx, key, data)
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("put object %s: %w", key, err)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return wrapErr(fmt.Sprintf("put object %s", key), err)
	}
	// The name matches fileblobTemp, so List skips it.
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return wrapErr(fmt.Sprintf("put object %s", key), err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, fs.ErrExist):
		return s.compareExisting(ctx, key, data)
	}
	return wrapErr(fmt.Sprintf("put object %s", key), err)
}

// writeAll writes data under key in one request. Unlike
// blob.Bucket.WriteAll it computes no MD5 (two passes over the data) unless
// the store asks for it: the S3 SDK already sends a CRC32 checksum that the
// server verifies.
func (s *Store) writeAll(ctx context.Context, key string, data []byte, ifNotExist bool) error {
	opts := &blob.WriterOptions{ContentType: contentType, IfNotExist: ifNotExist}
	if s.contentMD5 {
		return s.bucket.WriteAll(ctx, key, data, opts)
	}
	w, err := s.bucket.NewWriter(ctx, key, opts)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}
