package catalog

import (
	"fmt"

	"github.com/google/uuid"
)

// CanonicalID returns id as a canonical lower-case UUID string, or an error
// wrapping ErrInvalidID. what names the identifier in the error message
// ("process id", "stream id", ...).
func CanonicalID(what, id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("%s %q: %w", what, id, ErrInvalidID)
	}
	return u.String(), nil
}

// BlockConflict returns nil when an existing block row (existingStream,
// existingProcess) has the ids of the block being inserted, else an error
// wrapping ErrConflict. Stores call it when an insert found the id taken.
func BlockConflict(blockID, streamID, processID, existingStream, existingProcess string) error {
	if existingStream == streamID && existingProcess == processID {
		return nil
	}
	return fmt.Errorf("insert block %s for stream %s of process %s: %w: it belongs to stream %s of process %s",
		blockID, streamID, processID, ErrConflict, existingStream, existingProcess)
}
