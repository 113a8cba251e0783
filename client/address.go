package client

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// endpoint is a parsed service address.
type endpoint struct {
	hostport string
	// scheme is "tls", "plain" or "" when the address has no scheme.
	scheme string
}

// parseAddress accepts host, host:port, and the URIs grpc://, grpc+tcp://,
// http:// (plaintext), grpc+tls:// and https:// (TLS).
func parseAddress(addr string) (endpoint, error) {
	addr = strings.TrimSpace(addr)
	if addr == "" {
		return endpoint{}, fmt.Errorf("empty address: use host:port, grpc://host:port or grpc+tls://host:port")
	}
	var ep endpoint
	if strings.Contains(addr, "://") {
		u, err := url.Parse(addr)
		if err != nil {
			return endpoint{}, fmt.Errorf("address %q: %w", addr, err)
		}
		switch u.Scheme {
		case "grpc", "grpc+tcp", "http":
			ep.scheme = "plain"
		case "grpc+tls", "https":
			ep.scheme = "tls"
		default:
			return endpoint{}, fmt.Errorf("address %q: unsupported scheme %q: use grpc://host:port or grpc+tls://host:port", addr, u.Scheme)
		}
		if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return endpoint{}, fmt.Errorf("address %q: want scheme://host:port with no path or query", addr)
		}
		addr = u.Host
	}
	if _, _, err := net.SplitHostPort(addr); err != nil {
		// No port (or an IPv6 literal without one): add the default port.
		host := strings.TrimSuffix(strings.TrimPrefix(addr, "["), "]")
		addr = net.JoinHostPort(host, DefaultPort)
		if _, _, err := net.SplitHostPort(addr); err != nil {
			return endpoint{}, fmt.Errorf("address %q: %w", addr, err)
		}
	}
	ep.hostport = addr
	return ep, nil
}

// useTLS reconciles the address scheme with the TLS options.
func (ep endpoint) useTLS(o *options) (bool, error) {
	switch ep.scheme {
	case "tls":
		if o.insecureSet {
			return false, fmt.Errorf("address asks for TLS (grpc+tls://) but WithInsecure was given")
		}
		return true, nil
	case "plain":
		if o.tlsSet {
			return false, fmt.Errorf("address asks for plaintext (grpc://) but WithTLS was given: use grpc+tls://")
		}
		return false, nil
	}
	return o.tlsSet, nil
}
