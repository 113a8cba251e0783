package client

import (
	"crypto/tls"
	"testing"
)

func TestParseAddress(t *testing.T) {
	tests := []struct {
		addr     string
		opts     []Option
		hostport string
		tls      bool
		wantErr  bool
	}{
		{"localhost:50051", nil, "localhost:50051", false, false},
		{"localhost", nil, "localhost:50051", false, false},
		{"grpc://example.com:1234", nil, "example.com:1234", false, false},
		{"grpc+tcp://example.com", nil, "example.com:50051", false, false},
		{"grpc+tls://example.com:443", nil, "example.com:443", true, false},
		{"https://example.com", nil, "example.com:50051", true, false},
		{"[::1]:9", nil, "[::1]:9", false, false},
		{"::1", nil, "[::1]:50051", false, false},
		{"example.com:443", []Option{WithTLS(&tls.Config{})}, "example.com:443", true, false},
		{"example.com:443", []Option{WithTLS(nil), WithInsecure()}, "example.com:443", false, false},
		{"grpc://example.com", []Option{WithTLS(nil)}, "", false, true},
		{"grpc+tls://example.com", []Option{WithInsecure()}, "", false, true},
		{"ftp://example.com", nil, "", false, true},
		{"grpc://example.com/path", nil, "", false, true},
		{"", nil, "", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			var o options
			for _, opt := range tt.opts {
				opt(&o)
			}
			ep, err := parseAddress(tt.addr)
			var tlsOn bool
			if err == nil {
				tlsOn, err = ep.useTLS(&o)
			}
			if tt.wantErr {
				if err == nil {
					t.Fatalf("got %+v, want an error", ep)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if ep.hostport != tt.hostport || tlsOn != tt.tls {
				t.Errorf("got %s tls=%v, want %s tls=%v", ep.hostport, tlsOn, tt.hostport, tt.tls)
			}
		})
	}
}
