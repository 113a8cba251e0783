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
