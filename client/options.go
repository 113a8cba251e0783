package client

import (
	"crypto/tls"
	"time"

	"golang.org/x/oauth2"
)

// DefaultPort is the port of the analytics service when an address has none.
const DefaultPort = "50051"

// defaultMaxMessageSize is the largest gRPC message the client accepts,
// as the server's limit.
const defaultMaxMessageSize = 100 << 20

// TimeRange is the interval of time a query covers. A zero TimeRange means
// unbounded: no range headers are sent. Begin and End must both be set or
// both be zero.
type TimeRange struct {
	Begin, End time.Time
}

// IsZero reports whether the range is unbounded.
func (r TimeRange) IsZero() bool { return r.Begin.IsZero() && r.End.IsZero() }

// Last returns the range of the duration d before now.
func Last(d time.Duration) TimeRange {
	now := time.Now()
	return TimeRange{Begin: now.Add(-d), End: now}
}

// Option configures a Client.
type Option func(*options)

type options struct {
	token              string
	tokens             oauth2.TokenSource
	caFile             string
	preserveDictionary bool
	limit              int64
	tlsConfig          *tls.Config
	tlsSet             bool // WithTLS was given
	insecureSet        bool // WithInsecure was given
	maxMessageSize     int
}

// WithToken sends "authorization: Bearer <token>" with every call.
func WithToken(token string) Option {
	return func(o *options) { o.token = token }
}

// WithTokenSource sends "authorization: Bearer <token>" with every call,
// the token's AccessToken taken from src at each call (src caches and
// renews it): OAuth2 client credentials, the tokens of micromegas login.
// It replaces WithToken.
func WithTokenSource(src oauth2.TokenSource) Option {
	return func(o *options) { o.tokens = src; o.token = "" }
}

// WithCAFile trusts the certificates of a PEM file, beside the system's
// roots, for TLS connections (grpc+tls://, https://): the
// MICROMEGAS_CA_FILE of a server whose certificate a private CA signed.
func WithCAFile(path string) Option {
	return func(o *options) { o.caFile = path }
}

// WithPreserveDictionary asks the server to keep dictionary-encoded columns
// as dictionaries instead of decoding them to plain arrays.
func WithPreserveDictionary(preserve bool) Option {
	return func(o *options) { o.preserveDictionary = preserve }
}

// WithLimit caps the number of rows of every query (the "limit" header);
// 0 means no cap.
func WithLimit(n int64) Option {
	return func(o *options) { o.limit = n }
}

// WithInsecure connects without TLS. It is the default for addresses without
// a scheme or with grpc://.
func WithInsecure() Option {
	return func(o *options) { o.insecureSet = true; o.tlsConfig = nil; o.tlsSet = false }
}

// WithTLS connects with TLS using cfg; a nil cfg uses the system roots.
func WithTLS(cfg *tls.Config) Option {
	return func(o *options) { o.tlsConfig = cfg; o.tlsSet = true; o.insecureSet = false }
}
