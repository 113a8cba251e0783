package flightsql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/flight/flightsql"
)

// ticketMagic starts the statement handles this server issues. SQL text never
// starts with a NUL byte, so a handle without it is plain SQL, as sent by
// clients that build tickets themselves (the Micromegas Python client).
const ticketMagic = "\x00mmq1"

// ticketPayload is the JSON document after ticketMagic in a statement handle.
type ticketPayload struct {
	SQL                string `json:"sql"`
	Begin              string `json:"begin,omitempty"`
	End                string `json:"end,omitempty"`
	Limit              int64  `json:"limit,omitempty"`
	PreserveDictionary bool   `json:"preserve_dictionary,omitempty"`
	// Params holds the bound parameters of a prepared statement, as an
	// Arrow IPC stream of one row.
	Params []byte `json:"params,omitempty"`
}

// newTicket returns a Flight SQL TicketStatementQuery carrying st and opts.
func newTicket(st statement, opts QueryOptions) (*flight.Ticket, error) {
	p := ticketPayload{SQL: st.sql, Params: st.params, Limit: opts.Limit, PreserveDictionary: opts.PreserveDictionary}
	if opts.HasRange() {
		p.Begin = opts.Begin.UTC().Format(time.RFC3339Nano)
		p.End = opts.End.UTC().Format(time.RFC3339Nano)
	}
	body, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode ticket: %w", err)
	}
	handle := append([]byte(ticketMagic), body...)
	raw, err := flightsql.CreateStatementQueryTicket(handle)
	if err != nil {
		return nil, fmt.Errorf("encode ticket: %w", err)
	}
	return &flight.Ticket{Ticket: raw}, nil
}

// parseHandle decodes a statement handle. ok is false when the handle is
// plain SQL text; the caller then reads the options from the headers.
func parseHandle(handle []byte) (sql string, params []byte, opts QueryOptions, ok bool, err error) {
	if !bytes.HasPrefix(handle, []byte(ticketMagic)) {
		return string(handle), nil, opts, false, nil
	}
	var p ticketPayload
	if err := json.Unmarshal(handle[len(ticketMagic):], &p); err != nil {
		return "", nil, opts, true, fmt.Errorf("decode ticket: %w", err)
	}
	params = p.Params
	opts.Limit = p.Limit
	opts.PreserveDictionary = p.PreserveDictionary
	if p.Begin != "" || p.End != "" {
		if opts.Begin, err = time.Parse(time.RFC3339Nano, p.Begin); err != nil {
			return "", nil, opts, true, fmt.Errorf("decode ticket range begin: %w", err)
		}
		if opts.End, err = time.Parse(time.RFC3339Nano, p.End); err != nil {
			return "", nil, opts, true, fmt.Errorf("decode ticket range end: %w", err)
		}
	}
	return p.SQL, params, opts, true, nil
}

// preparedMagic starts the handles of prepared statements with bound
// parameters. Handles without it are the SQL text, as the original
// server issues them.
const preparedMagic = "\x00mmp1"

// preparedPayload is the JSON document after preparedMagic.
type preparedPayload struct {
	SQL    string `json:"sql"`
	Params []byte `json:"params,omitempty"`
}

// preparedHandle returns the handle of st. Prepared statements keep no
// state on the server: the handle is the statement.
func preparedHandle(st statement) ([]byte, error) {
	if st.params == nil {
		return []byte(st.sql), nil
	}
	body, err := json.Marshal(preparedPayload{SQL: st.sql, Params: st.params})
	if err != nil {
		return nil, fmt.Errorf("encode prepared statement handle: %w", err)
	}
	return append([]byte(preparedMagic), body...), nil
}

// parsePreparedHandle decodes a handle made by preparedHandle.
func parsePreparedHandle(handle []byte) (statement, error) {
	if !bytes.HasPrefix(handle, []byte(preparedMagic)) {
		return statement{sql: string(handle)}, nil
	}
	var p preparedPayload
	if err := json.Unmarshal(handle[len(preparedMagic):], &p); err != nil {
		return statement{}, fmt.Errorf("decode prepared statement handle: %w", err)
	}
	return statement{sql: p.SQL, params: p.Params}, nil
}
