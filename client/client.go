package client

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"

	"github.com/micromegas-go/micromegas/internal/clientauth"
)

// Request headers understood by the Micromegas analytics service.
const (
	headerRangeBegin         = "query_range_begin"
	headerRangeEnd           = "query_range_end"
	headerLimit              = "limit"
	headerPreserveDictionary = "preserve_dictionary"
	headerAuthorization      = "authorization"
)

// Client is a connection to the analytics service. It is safe for
// concurrent use.
type Client struct {
	addr string // as given to Dial, for errors
	opts options
	fs   *flightsql.Client
}

// Dial returns a client of the service at addr: "host:port",
// "grpc://host:port", or "grpc+tls://host:port" / "https://host:port" for
// TLS (port 50051 when omitted).
// The connection is made lazily, by the first call.
func Dial(ctx context.Context, addr string, opts ...Option) (*Client, error) {
	o := options{maxMessageSize: defaultMaxMessageSize}
	for _, opt := range opts {
		opt(&o)
	}
	if o.limit < 0 {
		return nil, fmt.Errorf("dial %s: negative limit %d", addr, o.limit)
	}
	ep, err := parseAddress(addr)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	fs, err := dialFlightSQL(ctx, ep, &o)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return &Client{addr: addr, opts: o, fs: fs}, nil
}

// dialFlightSQL opens a Flight SQL client of ep with the client's headers.
func dialFlightSQL(ctx context.Context, ep endpoint, o *options) (*flightsql.Client, error) {
	tlsOn, err := ep.useTLS(o)
	if err != nil {
		return nil, err
	}
	creds := insecure.NewCredentials()
	if tlsOn {
		cfg := o.tlsConfig
		if cfg == nil {
			if cfg, err = clientauth.TLSConfig(o.caFile); err != nil {
				return nil, err
			}
		}
		creds = credentials.NewTLS(cfg)
	}
	md := o.headers()
	callContext := func(ctx context.Context) (context.Context, error) {
		ctx = withHeaders(ctx, md)
		if o.tokens == nil {
			return ctx, nil
		}
		tok, err := o.tokens.Token()
		if err != nil {
			return nil, fmt.Errorf("get a token for the analytics service: %w", err)
		}
		return metadata.AppendToOutgoingContext(ctx, headerAuthorization, "Bearer "+tok.AccessToken), nil
	}
	return flightsql.NewClientCtx(ctx, ep.hostport, nil, nil,
		grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(o.maxMessageSize), grpc.MaxCallSendMsgSize(o.maxMessageSize)),
		grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
			ctx, err := callContext(ctx)
			if err != nil {
				return err
			}
			return invoker(ctx, method, req, reply, cc, opts...)
		}),
		grpc.WithChainStreamInterceptor(func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
			ctx, err := callContext(ctx)
			if err != nil {
				return nil, err
			}
			return streamer(ctx, desc, cc, method, opts...)
		}),
	)
}

// headers are the metadata sent with every call. The token is only held
// here and never logged.
func (o *options) headers() []string {
	var kv []string
	if o.token != "" {
		kv = append(kv, headerAuthorization, "Bearer "+o.token)
	}
	if o.preserveDictionary {
		kv = append(kv, headerPreserveDictionary, "true")
	}
	if o.limit > 0 {
		kv = append(kv, headerLimit, strconv.FormatInt(o.limit, 10))
	}
	return kv
}

func withHeaders(ctx context.Context, kv []string) context.Context {
	if len(kv) == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

// rangeContext adds the time range headers of tr to ctx.
func rangeContext(ctx context.Context, tr TimeRange) (context.Context, error) {
	if tr.IsZero() {
		return ctx, nil
	}
	if tr.Begin.IsZero() || tr.End.IsZero() {
		return nil, fmt.Errorf("time range needs both Begin and End (or neither), got %v .. %v", tr.Begin, tr.End)
	}
	if tr.End.Before(tr.Begin) {
		return nil, fmt.Errorf("time range end %v is before its begin %v", tr.End, tr.Begin)
	}
	return metadata.AppendToOutgoingContext(ctx,
		headerRangeBegin, tr.Begin.UTC().Format(time.RFC3339Nano),
		headerRangeEnd, tr.End.UTC().Format(time.RFC3339Nano)), nil
}

// Query runs sql over tr and streams the result. The reader must be
// released; releasing it early cancels the transfer. Record batches are
// valid until the next call to Next (Retain them to keep them).
func (c *Client) Query(ctx context.Context, sql string, tr TimeRange) (array.RecordReader, error) {
	ctx, err := rangeContext(ctx, tr)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	info, err := c.fs.Execute(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("query: %w", callError(c.addr, err))
	}
	rdr, err := newReader(ctx, c, info, nil)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return rdr, nil
}

// QueryAll runs sql over tr and returns the schema and every record batch
// of the result. The caller releases the batches.
func (c *Client) QueryAll(ctx context.Context, sql string, tr TimeRange) (*arrow.Schema, []arrow.RecordBatch, error) {
	rdr, err := c.Query(ctx, sql, tr)
	if err != nil {
		return nil, nil, err
	}
	defer rdr.Release()
	var recs []arrow.RecordBatch
	for rdr.Next() {
		rec := rdr.RecordBatch()
		rec.Retain()
		recs = append(recs, rec)
	}
	if err := rdr.Err(); err != nil {
		for _, r := range recs {
			r.Release()
		}
		return nil, nil, err
	}
	return rdr.Schema(), recs, nil
}

// Close closes the connection. Readers still open fail.
func (c *Client) Close() error {
	if err := c.fs.Close(); err != nil {
		return fmt.Errorf("close client: %w", err)
	}
	return nil
}
