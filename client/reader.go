package client

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// reuseConnection is the Flight location meaning "the server you asked".
const reuseConnection = "arrow-flight-reuse-connection://?"

// reader streams the endpoints of a FlightInfo one after the other, as one
// array.RecordReader.
type reader struct {
	refs      atomic.Int64
	ctx       context.Context
	cancel    context.CancelFunc
	c         *Client
	endpoints []*flight.FlightEndpoint
	next      int               // index of the next endpoint to open
	cur       *flight.Reader    // stream of the current endpoint
	remote    *flightsql.Client // connection of the current endpoint when it is elsewhere
	schema    *arrow.Schema
	rec       arrow.RecordBatch
	err       error
	done      func() // run by the last Release; may be nil
}

// newReader opens the first endpoint of info, whose stream gives the schema.
func newReader(ctx context.Context, c *Client, info *flight.FlightInfo, done func()) (*reader, error) {
	ctx, cancel := context.WithCancel(ctx)
	r := &reader{ctx: ctx, cancel: cancel, c: c, endpoints: info.Endpoint, done: done}
	r.refs.Store(1)
	if len(r.endpoints) == 0 {
		r.schema = arrow.NewSchema(nil, nil)
		if len(info.Schema) > 0 {
			s, err := flight.DeserializeSchema(info.Schema, memory.DefaultAllocator)
			if err != nil {
				r.Release()
				return nil, fmt.Errorf("read result schema: %w", err)
			}
			r.schema = s
		}
		return r, nil
	}
	if err := r.open(); err != nil {
		r.Release()
		return nil, err
	}
	r.schema = r.cur.Schema()
	return r, nil
}

// open starts the stream of endpoint r.next.
func (r *reader) open() error {
	i := r.next
	ep := r.endpoints[i]
	r.next++
	fs := r.c.fs
	if loc := remoteLocation(ep); loc != "" {
		addr, err := parseAddress(loc)
		if err != nil {
			return fmt.Errorf("endpoint %d: location: %w", i, err)
		}
		// The location's scheme decides TLS; a TLS config given to Dial
		// (custom roots) applies.
		o := r.c.opts
		o.tlsSet, o.insecureSet = false, false
		if r.remote, err = dialFlightSQL(r.ctx, addr, &o); err != nil {
			return fmt.Errorf("endpoint %d: dial %s: %w", i, loc, err)
		}
		fs = r.remote
	}
	cur, err := fs.DoGet(r.ctx, ep.GetTicket())
	if err != nil {
		return fmt.Errorf("endpoint %d: %w", i, callError(r.c.addr, err))
	}
	r.cur = cur
	if r.schema != nil && !r.schema.Equal(cur.Schema()) {
		return fmt.Errorf("endpoint %d: schema %s differs from the first endpoint's %s", i, cur.Schema(), r.schema)
	}
	return nil
}

// remoteLocation returns the first location of ep unless it designates
// this same connection.
func remoteLocation(ep *flight.FlightEndpoint) string {
	locs := ep.GetLocation()
	if len(locs) == 0 {
		return ""
	}
	if u := locs[0].GetUri(); u != reuseConnection {
		return u
	}
	return ""
}

// closeCurrent ends the stream of the current endpoint.
func (r *reader) closeCurrent() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
	if r.remote != nil {
		_ = r.remote.Close()
		r.remote = nil
	}
}

// Next advances to the next batch, moving across endpoints.
func (r *reader) Next() bool {
	r.rec = nil
	for r.err == nil {
		if r.cur == nil {
			if r.next >= len(r.endpoints) {
				return false
			}
			if err := r.open(); err != nil {
				r.fail(err)
				return false
			}
		}
		if r.cur.Next() {
			r.rec = r.cur.RecordBatch()
			return true
		}
		err := r.cur.Err()
		r.closeCurrent()
		if err != nil {
			r.fail(fmt.Errorf("endpoint %d: %w", r.next-1, err))
		}
	}
	return false
}

func (r *reader) fail(err error) {
	if ctxErr := r.ctx.Err(); ctxErr != nil && !errors.Is(err, ctxErr) {
		err = fmt.Errorf("%w (%w)", err, ctxErr)
	}
	r.err = fmt.Errorf("read results: %w", err)
	r.closeCurrent()
}

// Schema returns the schema of the result.
func (r *reader) Schema() *arrow.Schema { return r.schema }

// RecordBatch returns the current batch, valid until the next Next.
func (r *reader) RecordBatch() arrow.RecordBatch { return r.rec }

// Record returns the current batch.
//
// Deprecated: use RecordBatch.
func (r *reader) Record() arrow.RecordBatch { return r.rec }

// Err returns the error that ended the stream, if any.
func (r *reader) Err() error { return r.err }

// Retain adds a reference.
func (r *reader) Retain() { r.refs.Add(1) }

// Release drops a reference; the last one cancels the transfer.
func (r *reader) Release() {
	if r.refs.Add(-1) != 0 {
		return
	}
	r.rec = nil
	r.closeCurrent()
	r.cancel()
	if r.done != nil {
		r.done()
	}
}
