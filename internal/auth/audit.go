package auth

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/micromegas-go/micromegas/telemetry"
)

// AuditTarget is the telemetry target of audit lines: with
// MICROMEGAS_TELEMETRY_URL set, a server's audit lines are log entries
// of its own process, queryable with
// SELECT msg FROM log_entries WHERE target = 'micromegas/audit'.
const AuditTarget = "micromegas/audit"

// maxAuditSQL bounds the SQL text kept in an audit line.
const maxAuditSQL = 4 << 10

// auditSite is the log site of audit lines; the message is the line's
// JSON object.
var auditSite = telemetry.NewLogSite(telemetry.LevelInfo, AuditTarget, "%s")

// Auditor writes one structured line per query and per admin action: to
// the server's log, and to its own telemetry. It is safe for concurrent
// use.
type Auditor struct {
	log   *slog.Logger
	level slog.Level
}

// NewAuditor returns an auditor writing to log at info level (nil
// discards; the telemetry line is written either way when telemetry
// runs).
func NewAuditor(log *slog.Logger) *Auditor { return NewAuditorAt(log, slog.LevelInfo) }

// NewAuditorAt returns an auditor writing its lines to log at level: a
// server without authentication audits at debug level, since its callers
// are all anonymous and a line per query would be noise on stderr.
func NewAuditorAt(log *slog.Logger, level slog.Level) *Auditor {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Auditor{log: log, level: level}
}

// QueryRecord is what an audit line says about a query.
type QueryRecord struct {
	SQL        string
	Begin, End time.Time // the query's time range; zero without one
	Duration   time.Duration
	Rows       int64
	Bytes      int64 // of the Arrow buffers of the result
	Err        error
}

// Query writes the audit line of a query run by the identity in ctx.
func (a *Auditor) Query(ctx context.Context, q QueryRecord) {
	sql := q.SQL
	if len(sql) > maxAuditSQL {
		sql = sql[:maxAuditSQL] + "…"
	}
	fields := []any{"action", "query", "sql", sql, "duration_ms", q.Duration.Milliseconds(), "rows", q.Rows, "bytes", q.Bytes}
	if !q.Begin.IsZero() {
		fields = append(fields, "begin", q.Begin.UTC().Format(time.RFC3339Nano), "end", q.End.UTC().Format(time.RFC3339Nano))
	}
	a.write(ctx, fields, q.Err)
}

// Admin writes the audit line of an admin action (minting or revoking a
// key, bulk ingestion): action names it, details are key/value pairs
// (never secrets).
func (a *Auditor) Admin(ctx context.Context, action string, err error, details ...any) {
	a.write(ctx, append([]any{"action", action}, details...), err)
}

// write adds the identity and the client's headers to fields and emits
// the line.
func (a *Auditor) write(ctx context.Context, fields []any, err error) {
	id, ok := FromContext(ctx)
	if !ok {
		id = Identity{Subject: "unknown"}
	}
	all := []any{"subject", id.Subject, "email", id.Email, "issuer", id.Issuer, "auth", id.Kind.String(), "admin", id.Admin}
	all = append(all, fields...)
	client := clientHeaders(ctx)
	for i := 0; i+1 < len(client); i += 2 {
		all = append(all, client[i], client[i+1])
	}
	if err != nil {
		all = append(all, "error", err.Error())
	}
	a.log.Log(context.WithoutCancel(ctx), a.level, "audit", all...)
	if auditSite.Enabled() {
		obj := make(map[string]any, len(all)/2)
		for i := 0; i+1 < len(all); i += 2 {
			obj[all[i].(string)] = all[i+1]
		}
		b, _ := json.Marshal(obj)
		auditSite.Logf(string(b))
	}
}
