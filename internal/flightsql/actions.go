package flightsql

import (
	"context"
	"sort"

	"github.com/apache/arrow-go/v18/arrow/flight"
)

// Action is a custom Flight action (DoAction) the server answers beside
// the Flight SQL ones, such as the API key management of internal/app.
type Action struct {
	// Description is listed by ListActions.
	Description string
	// Do answers the action: the request body in, one result body out.
	// Errors carrying a gRPC status keep it; others are Internal.
	Do func(ctx context.Context, body []byte) ([]byte, error)
}

// actionServer adds Options.Actions to the Flight SQL service.
type actionServer struct {
	flight.FlightServer
	actions map[string]Action
}

// DoAction runs a custom action, or passes the call to Flight SQL.
func (s actionServer) DoAction(a *flight.Action, stream flight.FlightService_DoActionServer) error {
	act, ok := s.actions[a.GetType()]
	if !ok {
		return s.FlightServer.DoAction(a, stream)
	}
	out, err := act.Do(stream.Context(), a.GetBody())
	if err != nil {
		return toStatus("action "+a.GetType(), err)
	}
	return stream.Send(&flight.Result{Body: out})
}

// ListActions lists the Flight SQL actions, then the custom ones.
func (s actionServer) ListActions(req *flight.Empty, stream flight.FlightService_ListActionsServer) error {
	if err := s.FlightServer.ListActions(req, stream); err != nil {
		return err
	}
	names := make([]string, 0, len(s.actions))
	for n := range s.actions {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if err := stream.Send(&flight.ActionType{Type: n, Description: s.actions[n].Description}); err != nil {
			return err
		}
	}
	return nil
}
