package blobstore

import (
	"fmt"
	"time"
)

// BlockKey is the key of a block's payload: blobs/{process}/{stream}/{block}.
func BlockKey(processID, streamID, blockID string) string {
	return "blobs/" + processID + "/" + streamID + "/" + blockID
}

// PartitionKey is the key of a partition file:
// views/{view_set}/{instance}/{YYYY-MM-DD}/{HH-MM-SS}_{id}.parquet, dated by
// the begin of the partition's insert range.
func PartitionKey(viewSet, instance string, begin time.Time, id string) string {
	begin = begin.UTC()
	return fmt.Sprintf("views/%s/%s/%s/%s_%s.parquet", viewSet, instance, begin.Format("2006-01-02"), begin.Format("15-04-05"), id)
}
