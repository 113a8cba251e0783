package websession

import (
	"context"
	"testing"
	"time"

	"github.com/micromegas-go/micromegas/internal/auth"
)

// BenchmarkAuthenticate is the cost of recognizing a session cookie on a
// request: parsing the Cookie header, opening the sealed value
// (AES-256-GCM) and decoding it.
func BenchmarkAuthenticate(b *testing.B) {
	s, err := New(Config{Issuer: "https://issuer.example/", ClientID: "web", ClientSecret: "secret", Key: testKey})
	if err != nil {
		b.Fatal(err)
	}
	sealed, err := s.seal.seal(SessionCookie, session{ID: randomID(), Subject: "person-1", Email: "person@example.com", Issuer: "https://issuer.example/", Expires: time.Now().Add(time.Hour).UnixMilli()})
	if err != nil {
		b.Fatal(err)
	}
	headers := map[string]string{"cookie": "theme=dark; " + SessionCookie + "=" + sealed, ":method": "POST", "content-type": "application/json", "sec-fetch-site": "same-origin"}
	c := auth.Credentials{Header: func(n string) string { return headers[n] }}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Authenticate(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
}
