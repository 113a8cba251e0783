package websession

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// KeySize is the length of a session key: AES-256.
const KeySize = 32

// sealVersion starts every sealed value, so that a later format can be
// told apart.
const sealVersion = 1

// maxSealedLen bounds the sealed values opened: a cookie is at most 4 KiB.
const maxSealedLen = 4096

// sealer seals small JSON values with AES-256-GCM: the cookie's holder
// can neither read nor change them. The purpose (the cookie's name) is
// authenticated with them, so a value sealed for one cookie is refused
// as another.
type sealer struct {
	aead cipher.AEAD
}

func newSealer(key []byte) (*sealer, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("the session key has %d bytes: it needs %d (openssl rand -base64 32)", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &sealer{aead: aead}, nil
}

// seal returns v as JSON, encrypted and authenticated, in base64url.
func (s *sealer) seal(purpose string, v any) (string, error) {
	plain, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	out := make([]byte, 1+s.aead.NonceSize(), 1+s.aead.NonceSize()+len(plain)+s.aead.Overhead())
	out[0] = sealVersion
	if _, err := rand.Read(out[1:]); err != nil {
		return "", err
	}
	out = s.aead.Seal(out, out[1:], plain, []byte(purpose))
	return base64.RawURLEncoding.EncodeToString(out), nil
}

// errSealed is the one error of a value that does not open: the reason
// (forged, truncated, of another key) is not told.
var errSealed = errors.New("the cookie is not one this server sealed (changed, truncated, or sealed with another session key)")

// open decodes a value sealed for purpose into v.
func (s *sealer) open(purpose, sealed string, v any) error {
	if len(sealed) > maxSealedLen {
		return errSealed
	}
	b, err := base64.RawURLEncoding.DecodeString(sealed)
	n := s.aead.NonceSize()
	if err != nil || len(b) < 1+n+s.aead.Overhead() || b[0] != sealVersion {
		return errSealed
	}
	plain, err := s.aead.Open(nil, b[1:1+n], b[1+n:], []byte(purpose))
	if err != nil {
		return errSealed
	}
	if err := json.Unmarshal(plain, v); err != nil {
		return errSealed
	}
	return nil
}

// ParseKey reads a session key: base64 (standard or URL alphabet, padded
// or not) of KeySize bytes.
func ParseKey(s string) ([]byte, error) {
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			if len(b) != KeySize {
				return nil, fmt.Errorf("MICROMEGAS_WEB_SESSION_KEY holds %d bytes, want %d: make one with openssl rand -base64 32", len(b), KeySize)
			}
			return b, nil
		}
	}
	return nil, errors.New("MICROMEGAS_WEB_SESSION_KEY is not base64: make one with openssl rand -base64 32")
}
