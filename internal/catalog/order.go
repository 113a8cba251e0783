package catalog

import (
	"bytes"
	"slices"
	"strings"
)

// SortPartitions sorts partitions in the order ListPartitions returns them:
// by begin insert time, then file path (empty partitions, which have no
// file, first).
func SortPartitions(parts []Partition) {
	slices.SortStableFunc(parts, func(a, b Partition) int {
		if c := a.BeginInsertTime.Compare(b.BeginInsertTime); c != 0 {
			return c
		}
		if c := strings.Compare(a.FilePath, b.FilePath); c != 0 {
			return c
		}
		return bytes.Compare(a.FileSchemaHash, b.FileSchemaHash)
	})
}
