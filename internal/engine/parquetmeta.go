package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/parquet/file"
)

// ReadKeyValue returns the value of key in the key-value metadata of the
// Parquet file at path (see ParquetWriter.SetKeyValue), reading only the
// file's footer; ok is false when the file has no such key.
func ReadKeyValue(path, key string) (value string, ok bool, err error) {
	r, err := file.OpenParquetFile(path, false)
	if err != nil {
		return "", false, fmt.Errorf("engine: read parquet metadata of %s: %w", path, err)
	}
	defer r.Close()
	v := r.MetaData().KeyValueMetadata().FindValue(key)
	if v == nil {
		return "", false, nil
	}
	return *v, true, nil
}
