package auth

import (
	"crypto/tls"
	"errors"
	"fmt"
)

// ServerTLS returns the TLS configuration of a listener serving the
// certificate chain of certFile with the key of keyFile (PEM), or nil
// when both are empty (plain TCP). Giving only one is an error.
func ServerTLS(certFile, keyFile string) (*tls.Config, error) {
	switch {
	case certFile == "" && keyFile == "":
		return nil, nil
	case certFile == "" || keyFile == "":
		return nil, errors.New("TLS needs both a certificate and its key: set --tls-cert and --tls-key (MICROMEGAS_TLS_CERT, MICROMEGAS_TLS_KEY)")
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("load TLS certificate %s and key %s: %w", certFile, keyFile, err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
