package auth

import (
	"errors"
	"strings"
)

// maxTokenBytes bounds the bearer tokens read: JWTs of real providers
// are a few KiB; anything longer is refused before any work is done.
const maxTokenBytes = 16 << 10

// ParseBearer reads the token of an Authorization header value,
// "Bearer <token>" (the scheme is case-insensitive). It returns
// ErrNoCredentials for an empty value, and an error saying what is wrong
// for any other value that is not a bearer token. Errors never hold the
// value.
func ParseBearer(header string) (string, error) {
	if header == "" {
		return "", ErrNoCredentials
	}
	scheme, token, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return "", errors.New(`the Authorization header must be "Bearer <token>"`)
	}
	token = strings.TrimLeft(token, " ")
	switch {
	case token == "":
		return "", errors.New(`the Authorization header has no token after "Bearer"`)
	case len(token) > maxTokenBytes:
		return "", errors.New("the bearer token is too long")
	}
	for i := 0; i < len(token); i++ {
		// RFC 6750 b64token characters, and '.' for JWTs: no spaces,
		// control characters or bytes outside ASCII.
		if c := token[i]; c <= ' ' || c >= 0x7f {
			return "", errors.New("the bearer token holds a character that tokens never hold (a space, a control character or a non-ASCII byte)")
		}
	}
	return token, nil
}
