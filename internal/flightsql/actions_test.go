package flightsql

import (
	"context"
	"errors"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestCustomActions checks Options.Actions: DoAction answers them, their
// status errors pass through, ListActions lists them after the Flight SQL
// ones, and other action types still reach Flight SQL.
func TestCustomActions(t *testing.T) {
	ts := startServer(t, newFakeQuerier(), func(o *Options) {
		o.Actions = map[string]Action{
			"test.echo": {Description: "echo the body", Do: func(_ context.Context, body []byte) ([]byte, error) {
				return append([]byte("echo:"), body...), nil
			}},
			"test.deny": {Description: "always refuses", Do: func(context.Context, []byte) ([]byte, error) {
				return nil, status.Error(codes.PermissionDenied, "not you")
			}},
			"test.fail": {Description: "fails", Do: func(context.Context, []byte) ([]byte, error) {
				return nil, errors.New("boom")
			}},
		}
	})
	cl := newClient(t, ts.addr).Client
	ctx := context.Background()
	do := func(typ string, body []byte) ([]byte, error) {
		stream, err := cl.DoAction(ctx, &flight.Action{Type: typ, Body: body})
		if err != nil {
			return nil, err
		}
		res, err := stream.Recv()
		if err != nil {
			return nil, err
		}
		return res.GetBody(), nil
	}
	if out, err := do("test.echo", []byte("hi")); err != nil || string(out) != "echo:hi" {
		t.Errorf("echo: %q, %v", out, err)
	}
	if _, err := do("test.deny", nil); status.Code(err) != codes.PermissionDenied {
		t.Errorf("deny: %v, want PermissionDenied", err)
	}
	if _, err := do("test.fail", nil); status.Code(err) != codes.Internal {
		t.Errorf("fail: %v, want Internal", err)
	}
	if _, err := do("no.such.action", nil); status.Code(err) != codes.InvalidArgument {
		t.Errorf("unknown action: %v, want Flight SQL's InvalidArgument", err)
	}
	stream, err := cl.ListActions(ctx, &flight.Empty{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for {
		a, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, a.GetType())
	}
	if n := len(names); n < 4 || names[n-3] != "test.deny" || names[n-2] != "test.echo" || names[n-1] != "test.fail" {
		t.Errorf("ListActions: %v, want the Flight SQL actions then the custom ones in order", names)
	}
}
