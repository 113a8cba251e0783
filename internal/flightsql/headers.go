package flightsql

import (
	"context"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// Request header names read by the server (gRPC metadata keys are lower case).
const (
	HeaderRangeBegin         = "query_range_begin"
	HeaderRangeEnd           = "query_range_end"
	HeaderLimit              = "limit"
	HeaderPreserveDictionary = "preserve_dictionary"
)

// attributionHeaders are logged with each query to tell who ran it. They
// are set by clients (x-client-type) or by the authentication layer.
var attributionHeaders = []string{"x-user-id", "x-user-email", "x-client-type"}

// optionsFromContext reads the query options from the incoming gRPC
// metadata. A malformed header is an InvalidArgument status error whose
// message names the header and the expected format.
func optionsFromContext(ctx context.Context) (QueryOptions, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	return parseOptions(md)
}

func parseOptions(md metadata.MD) (QueryOptions, error) {
	var opts QueryOptions
	begin, hasBegin := header(md, HeaderRangeBegin)
	end, hasEnd := header(md, HeaderRangeEnd)
	switch {
	case hasBegin != hasEnd:
		missing := HeaderRangeEnd
		if hasEnd {
			missing = HeaderRangeBegin
		}
		return opts, status.Errorf(codes.InvalidArgument,
			"headers %s and %s must be given together (or neither): %s is missing",
			HeaderRangeBegin, HeaderRangeEnd, missing)
	case hasBegin:
		var err error
		if opts.Begin, err = parseTimeHeader(HeaderRangeBegin, begin); err != nil {
			return opts, err
		}
		if opts.End, err = parseTimeHeader(HeaderRangeEnd, end); err != nil {
			return opts, err
		}
		if opts.End.Before(opts.Begin) {
			return opts, status.Errorf(codes.InvalidArgument,
				"%s (%s) is before %s (%s)", HeaderRangeEnd, end, HeaderRangeBegin, begin)
		}
	}
	if v, ok := header(md, HeaderLimit); ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n < 0 {
			return opts, status.Errorf(codes.InvalidArgument,
				"header %s: %q is not a non-negative integer", HeaderLimit, v)
		}
		opts.Limit = n
	}
	if v, ok := header(md, HeaderPreserveDictionary); ok {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return opts, status.Errorf(codes.InvalidArgument,
				"header %s: %q is not a boolean (use true or false)", HeaderPreserveDictionary, v)
		}
		opts.PreserveDictionary = b
	}
	return opts, nil
}

// preserveDictionary reports whether the request asks for dictionary
// columns as they are ("preserve_dictionary: true"). Metadata calls read it
// alone and take a malformed value as false.
func preserveDictionary(ctx context.Context) bool {
	md, _ := metadata.FromIncomingContext(ctx)
	v, _ := header(md, HeaderPreserveDictionary)
	b, _ := strconv.ParseBool(v)
	return b
}

// header returns the first non-empty value of key, trimmed.
func header(md metadata.MD, key string) (string, bool) {
	for _, v := range md.Get(key) {
		if v = strings.TrimSpace(v); v != "" {
			return v, true
		}
	}
	return "", false
}

func parseTimeHeader(name, v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, status.Errorf(codes.InvalidArgument,
			"header %s: %q is not an RFC3339 timestamp (expected e.g. 2024-01-02T15:04:05Z or 2024-01-02T15:04:05.123+00:00)",
			name, v)
	}
	return t.UTC(), nil
}

// attribution returns the attribution headers present in ctx as slog
// key/value pairs. The authorization header is never included.
func attribution(ctx context.Context) []any {
	md, _ := metadata.FromIncomingContext(ctx)
	var attrs []any
	for _, k := range attributionHeaders {
		if v, ok := header(md, k); ok {
			attrs = append(attrs, k, v)
		}
	}
	return attrs
}
